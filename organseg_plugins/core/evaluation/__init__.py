"""Evaluation of whole outputs: folders of masks, per-volume suites, Sliver07 points, MRVA, paired t-test."""
