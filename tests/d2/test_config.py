"""organseg_plugins.d2.load_config: `zoo://` bases, relative chains, clear errors."""

import pytest

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.d2 import load_config


def test_chain_and_opts(tmp_path):
    base = tmp_path / "base.yaml"
    base.write_text('_BASE_: "zoo://COCO-InstanceSegmentation/mask_rcnn_R_50_FPN_3x.yaml"\n'
                    "MODEL:\n  ROI_HEADS:\n    NUM_CLASSES: 3\nINPUT:\n  MIN_SIZE_TRAIN: (320,)\n")
    child = tmp_path / "child.yaml"
    child.write_text('_BASE_: "base.yaml"\nSOLVER:\n  MAX_ITER: 7\n')
    cfg = load_config(str(child), ["SOLVER.BASE_LR", "0.5"])
    assert cfg.MODEL.ROI_HEADS.NUM_CLASSES == 3       # from base.yaml
    assert cfg.MODEL.MASK_ON is True                   # from the model zoo
    assert cfg.MODEL.RESNETS.DEPTH == 50
    assert cfg.INPUT.MIN_SIZE_TRAIN == (320,)          # tuple string decoded
    assert cfg.SOLVER.MAX_ITER == 7 and cfg.SOLVER.BASE_LR == 0.5
    assert cfg.ORGANSEG.CATEGORY == "liver"            # our keys exist


@pytest.mark.parametrize("text,match", [
    ('_BASE_: "missing.yaml"\n', "missing.yaml"),
    ('_BASE_: "zoo://No/such.yaml"\n', "No/such.yaml"),
    ("MODEL:\n  NOT_A_KEY: 1\n", "NOT_A_KEY"),
    ("MODEL: [unclosed\n", "not valid YAML"),
])
def test_errors_name_the_problem(tmp_path, text, match):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(OrgansegInputError, match=match):
        load_config(str(path))
