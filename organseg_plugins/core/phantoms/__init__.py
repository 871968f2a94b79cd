"""Every synthetic generator of the project: 2-D slices, lesions, CT volumes, 3-D spleens, mask pairs."""
