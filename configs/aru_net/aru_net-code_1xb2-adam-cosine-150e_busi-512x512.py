# ARU-Net as the authors' released code (GitHub whr-crypto/ARUNet) builds it: 3x3/s2 max pooling, mixer kernel 7,
# spatial-attention kernel 5, SE channel attention and the SpConvMixer built but not run, self-attention with a
# BN before the sigmoid on up-stages 2-4, N(0, 0.02) initialisation. Same data and recipe as the paper reading.
_base_ = ["./aru_net_1xb2-adam-cosine-150e_busi-512x512.py"]
model = dict(backbone=dict(preset="code"), decode_head=dict(preset="code"))
