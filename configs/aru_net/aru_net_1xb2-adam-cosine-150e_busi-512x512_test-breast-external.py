# External validation: train on BUSI (the training config below), test on another breast ultrasound set laid out
# by datasets_prep/us_lesions_to_mmseg.py folder (e.g. UDIAT "Dataset B") under data/breast_external, all its
# images in the test split (--fractions 0 0 1). Run tools/test.py with this config and the BUSI checkpoint.
_base_ = ["./aru_net_1xb2-adam-cosine-150e_busi-512x512.py"]
test_dataloader = dict(dataset=dict(data_root="data/breast_external", meta_keys=None))
