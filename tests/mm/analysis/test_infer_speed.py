"""organseg_plugins.mm.analysis.infer_speed and the inference path it times (organseg_plugins.mm.apis)."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.mm.analysis.infer_speed import InferSpeed, infer_speed
from organseg_plugins.mm.apis import build_inferencer, predict_masks


class _FakeInferencer:
    """Returns, per image, a data sample whose class map is 2 where the image is bright (as MMSegInferencer)."""

    def __init__(self):
        self.calls = []

    def __call__(self, images, batch_size, return_datasamples):
        self.calls.append((len(images), batch_size))
        samples = [SimpleNamespace(pred_sem_seg=SimpleNamespace(data=torch.from_numpy(
            ((img if img.ndim == 2 else img[..., 0]) > 100).astype(np.int64) * 2)[None])) for img in images]
        return {"predictions": samples if len(samples) > 1 else samples[0]}


def test_predict_masks_chunks_and_binarises():
    images = [np.full((4, 5), 200, np.uint8)] * 40 + [np.zeros((4, 5, 3), np.uint8)]
    fake = _FakeInferencer()
    masks = predict_masks(fake, images, batch_size=2, progress=False)
    assert fake.calls == [(32, 2), (9, 2)]  # 16 batches per inferencer call
    assert len(masks) == 41 and masks[0].dtype == np.uint8 and masks[0].shape == (4, 5)
    assert masks[0].min() == 1 and masks[-1].max() == 0  # any foreground class -> 1
    assert predict_masks(fake, [np.zeros((4, 5), np.uint8)], 1, progress=False)[0].sum() == 0  # a single sample


def test_report_and_ratio():
    r = InferSpeed(images=4, batch_size=2, repeat=3, ours_s=0.5, mmseg_s=0.625)
    assert r.ratio == pytest.approx(0.8)
    assert r.report().splitlines() == ["4 image(s), batch 2, best of 3: tools/infer.py 0.500s, MMSegInferencer 0.625s",
                                       "ratio (project / mmseg): 0.800"]


def test_bad_arguments_and_missing_files(tmp_path):
    with pytest.raises(OrgansegInputError, match="--batch-size and --repeat must be >= 1, got 0 and 3"):
        infer_speed("c.py", "w.pth", ["x.png"], batch_size=0)
    with pytest.raises(FileNotFoundError, match=f"config not found: {tmp_path / 'c.py'}"):
        build_inferencer(str(tmp_path / "c.py"), str(tmp_path / "w.pth"))
