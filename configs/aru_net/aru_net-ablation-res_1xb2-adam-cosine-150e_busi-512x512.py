# Ablation of Liu et al. 2025 (Tables 6-7), cumulative steps U-Net -> + residual encoder -> + attentions
# -> full model (aru_net_1xb2-adam-cosine-150e_busi-512x512.py). This step: + residual encoder.
_base_ = ["./aru_net_1xb2-adam-cosine-150e_busi-512x512.py"]
model = dict(backbone=dict(residual_encoder=True, spconvmixer=False),
             decode_head=dict(channel_attention=False, self_attention=False))
