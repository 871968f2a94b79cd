"""Array transforms: augmentation (Table 1 of Karimi et al. 2025), mask post-processing, CT slice degradation."""
