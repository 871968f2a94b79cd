"""3-D spleen phantoms and their 2-D views for volume estimation (DeepSPV, Yuan et al. 2025)."""

from .latent_pca import latent_pca, plot_latent_pca
from .mrva_scores import CASE_REQUIRED, VolumeScores, case_scores, ellipsoid_scores, read_case_scores
from .shapes import (
    VOLUME_RANGE_ML,
    SpleenShape,
    ellipsoid_mask,
    ellipsoid_volume_ml,
    random_spleen,
    voxel_volume_ml,
)
from .ultrasound import ultrasound_views
from .view_measures import ELLIPSOID_COEFFICIENT, MEASURE_NAMES, ellipsoid_formula_ml, view_measurements
from .view_table import (
    VOLUME_COLUMNS,
    VOLUME_TABLE,
    read_volume_table,
    view_case_row,
    write_view_case,
    write_volume_table,
)
from .views import VIEW_NAMES, MidViews, mask_on_canvas, mid_views

__all__ = [
    "CASE_REQUIRED", "VolumeScores", "case_scores", "ellipsoid_scores", "read_case_scores",
    "ELLIPSOID_COEFFICIENT", "MEASURE_NAMES", "MidViews", "SpleenShape", "VIEW_NAMES", "VOLUME_COLUMNS",
    "VOLUME_RANGE_ML", "VOLUME_TABLE", "ellipsoid_formula_ml", "ellipsoid_mask", "ellipsoid_volume_ml",
    "latent_pca", "mask_on_canvas", "mid_views", "plot_latent_pca", "random_spleen", "read_volume_table", "ultrasound_views", "view_case_row", "view_measurements", "voxel_volume_ml",
    "write_view_case", "write_volume_table",
]
