"""organseg_plugins.mm.apis.load_mm_config: the tools' config loading, with errors naming the file."""

from __future__ import annotations

import pytest

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.mm.apis import cpu_distributed, load_mm_config
from tests.conftest import REPO

CFG = REPO / "configs/spleen/segformer_b0_bcedice_phantom-spleen-128x128.py"
PIX2PIX = REPO / "configs/spleen/segformer_b0_pix2pix_phantom-spleen-128x128.py"


def test_loads_and_applies_options():
    cfg = load_mm_config(str(CFG), {"train_cfg.max_iters": 3})
    assert cfg.train_cfg.max_iters == 3 and cfg.launcher == "none"


def test_missing_and_broken_are_named_and_a_distributed_gan_gets_its_wrapper(tmp_path):
    with pytest.raises(OrgansegInputError, match="config file not found: .*nope.py"):
        load_mm_config(str(tmp_path / "nope.py"))
    bad = tmp_path / "broken.py"
    bad.write_text("model = dict(type='EncoderDecoder'\n")
    with pytest.raises(OrgansegInputError, match="broken.py: cannot load config"):
        load_mm_config(str(bad))
    # a distributed GAN phase is wrapped by AdversarialDistributedWrapper (slurm: no process group needed here)
    cfg = load_mm_config(str(PIX2PIX), launcher="slurm")
    assert cfg.model_wrapper_cfg == dict(type="AdversarialDistributedWrapper") and cfg.launcher == "slurm"
    assert callable(cpu_distributed)
