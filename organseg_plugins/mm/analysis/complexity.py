"""Parameters and FLOPs (multiply-accumulates) of segmentors in inference mode, in one table: the counter
behind ``tools/analysis/complexity.py`` and the spleen layout's Params/FLOPs columns (``paper_tables.py``).

Each model is built from its config (``custom_imports`` honoured, ``organseg_plugins.mm`` always
registered, default scope initialised), put in eval mode without its auxiliary heads (they do not run at
inference, as in mmseg's ``tools/analysis_tools/get_flops.py``) and traced once on a 1xCxHxW input
(C = the first convolution's input channels) through ``model.forward(inputs, mode='tensor')`` (the segmentor's ``_forward``: backbone + decode head(s), logits
at the head's resolution). Directories are expanded to the ``*.py`` configs they hold (``_base_`` skipped).

Two FLOP columns, both in G *multiply-accumulates* (one fused multiply-add = 1, the convention of fvcore,
mmengine and the papers' "FLOPs"):

``GMACs counter``
    The usual counter convention, as the spleen paper's Table 3 (SegFormer-B0: 6.74 G): mmengine's
    fvcore-style ``FlopAnalyzer`` (the engine of ``mmengine.analysis.get_model_complexity_info``) with its
    default operator handles -- convolutions, linear layers, normalisation, interpolation -- but WITHOUT
    matrix products between two activations (self-attention's Q K^T and A V, OCR's object attention,
    the Hamburger head's NMF iterations). Such products are what counters miss whenever attention runs
    in one fused op (``F.scaled_dot_product_attention``, ``nn.MultiheadAttention``'s fast path: unsupported
    there, skipped with a warning) or is not an ``nn.Module`` (hook-based counters such as mmcv 1.x's).
    Beware: mmengine's *raw* total is not a stable convention -- it counts ``aten::bmm``/``aten::matmul`` and
    so includes attention when a model spells it out (mmcv's ``MultiheadAttention`` in SegFormer, torch 2.3:
    7.88 G for B0) and excludes it when the fused kernel is used.
``GMACs +attn``
    The same plus every activation-by-activation matrix product (``aten::matmul``/``mm``/``bmm``/
    ``baddbmm``/``einsum`` and ``aten::scaled_dot_product_attention`` / ``_native_multi_head_attention``,
    which get handles here): SegFormer-B0 ~7.9 G.

Matrix products with a weight (a parameter or buffer on either side, e.g. ``x @ W``) are linear layers
and count in both columns. Elementwise ops, activations and softmax count in neither (fvcore convention).
``Params (M)`` are those of the inference model (auxiliary heads removed).

The spleen paper's Tables 2-3 as printed: ``configs/spleen/baselines/`` holds mmseg's architectures and
``configs/spleen/baselines/paper/`` the variants whose size matches the paper's Params/FLOPs where those differ by
more than 2% (SegFormer-B2/B3 with the original release's 768-wide decoder, SegNeXt-B/L with T's 256-wide head,
HRNet-48's FCN head with a 3x3 conv, DeepLabV3 as torchvision builds it). Directories are expanded recursively, a
folder's own configs first, so ``tools/analysis/complexity.py configs/spleen/baselines`` prints both: the 14 baselines, then
the 7 paper variants (``tests/tools/test_table2_paper_variants.py`` pins them to the printed values).
"""

from __future__ import annotations

import glob
import math
import os.path as osp
import sys
import time
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from organseg_plugins.core.errors import OrgansegInputError
from organseg_plugins.core.io import tables
from organseg_plugins.core.paper_tables.render import text_table

if TYPE_CHECKING:
    import torch

__all__ = ["ACT_MATMUL_KEY", "ATTN_COL", "PARAMS_COL", "STD_COL", "add_run_complexity", "analyse",
           "build_inference_model", "complexity_table", "count_model", "expand_configs", "format_table",
           "input_channels", "quiet_mmengine_logger", "write_table_csv"]

#: column of the counter convention (the spleen paper's "FLOPs"), G MACs
STD_COL = "GMACs counter (no attention matmuls)"
#: column with attention's activation-by-activation matrix products, G MACs
ATTN_COL = "GMACs +attn (incl. attention matmuls)"
#: parameters of the inference model, millions
PARAMS_COL = "Params (M)"

#: counter key of activation-by-activation matrix products (attention-like)
ACT_MATMUL_KEY = "act_matmul"
#: ops whose operands are traced back to a parameter/buffer through these shape-only ops
_SHAPE_OPS = {
    "aten::t", "aten::transpose", "aten::permute", "aten::view", "aten::reshape", "aten::expand",
    "aten::expand_as", "aten::contiguous", "aten::unsqueeze", "aten::squeeze", "aten::flatten", "aten::to",
    "aten::detach", "aten::numpy_T", "aten::mT", "aten::type_as", "aten::clone", "aten::select", "aten::slice",
    "aten::chunk", "aten::split", "prim::ListUnpack", "aten::unbind",
}
_MATMUL_OPS = ("aten::matmul", "aten::mm", "aten::bmm", "aten::baddbmm", "aten::einsum")


def expand_configs(paths: Iterable[str]) -> list[str]:
    """Config files, with directories expanded to their ``*.py`` files (recursively, ``_base_`` skipped).

    Args:
        paths: Config files and folders of configs.

    Returns:
        The files: a folder's own configs (sorted), then each subfolder's.

    Raises:
        OrgansegInputError: A path that does not exist, or a folder without configs (named).
    """
    out: list[str] = []
    for p in paths:
        if osp.isdir(p):
            found = sorted((f for f in glob.glob(osp.join(p, "**", "*.py"), recursive=True)
                            if "_base_" not in f.split(osp.sep)),
                           key=lambda f: (osp.dirname(f), f))  # a folder's own configs, then each subfolder's
            if not found:
                raise OrgansegInputError(f"no *.py configs under {p}")
            out.extend(found)
        elif osp.isfile(p):
            out.append(p)
        else:
            raise OrgansegInputError(f"config file not found: {p}")
    return out


def build_inference_model(config: str, cfg_options: dict | None = None) -> torch.nn.Module:
    """Build the segmentor of ``config`` on CPU in eval mode without auxiliary heads.

    Args:
        config: mmengine config file (``custom_imports`` honoured).
        cfg_options: ``--cfg-options`` overrides.

    Returns:
        The segmentor (SyncBN reverted to BN), randomly initialised.

    Raises:
        OrgansegInputError: A missing or broken config (named).
    """
    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import init_default_scope
    from mmengine.utils import import_modules_from_strings

    import organseg_plugins.mm  # noqa: F401  (registers the project's modules)
    from organseg_plugins.mm.apis import load_mm_config

    cfg = load_mm_config(config, cfg_options)
    if cfg.get("custom_imports"):
        import_modules_from_strings(**cfg.custom_imports)
    init_default_scope(cfg.get("default_scope", "mmseg"))
    from mmseg.registry import MODELS

    with warnings.catch_warnings():  # mmseg's advice on binary heads, losses, ... (not relevant here)
        warnings.simplefilter("ignore")
        model = MODELS.build(cfg.model)
    if getattr(model, "auxiliary_head", None) is not None:
        model.auxiliary_head = None
    return revert_sync_batchnorm(model).eval()


def _from_weight(value, num_inputs: int) -> bool:
    """Whether a traced value is (a reshaped view of) a parameter or buffer.

    In the traced graph the model's inputs are the first ``num_inputs`` graph inputs and its parameters
    and buffers the rest (all ``prim::Param`` outputs, told apart by their position).
    """
    for _ in range(32):
        node = value.node()
        if node.kind() == "prim::Param":
            return value.offset() >= num_inputs
        if node.kind() == "prim::ListConstruct":
            return any(_from_weight(v, num_inputs) for v in node.inputs())
        if node.kind() not in _SHAPE_OPS:
            return False
        value = next(iter(node.inputs()))
    return False


def _shape(value) -> list[int]:
    """Static sizes of a traced tensor value."""
    return list(value.type().sizes())


def _sdpa_macs(inputs, outputs) -> int:
    """``scaled_dot_product_attention(q, k, v)``: Q K^T and A V, ``prod(batch) * L * S * (E + Ev)``."""
    q, k, v = (_shape(x) for x in inputs[:3])
    return math.prod(q[:-2]) * q[-2] * k[-2] * (q[-1] + v[-1])


def _native_mha(inputs, outputs) -> Counter:
    """``_native_multi_head_attention(q, k, v, E, heads, ...)`` (batch first): projections + attention."""
    q, k = _shape(inputs[0]), _shape(inputs[1])
    b, lq, e = q
    s = k[1]
    return Counter({"linear": b * (2 * lq + 2 * s) * e * e, ACT_MATMUL_KEY: b * 2 * lq * s * e})


def _baddbmm_macs(inputs, outputs) -> int:
    """``baddbmm(input, a, b)``: the batched product ``a @ b``."""
    a, b = _shape(inputs[1]), _shape(inputs[2])
    return a[0] * a[1] * a[2] * b[2]


class _Classifier:
    """Wrap a matrix-product handle: activation x activation -> ``act_matmul``, else ``linear``."""

    def __init__(self, handle, operand_slots: Sequence[int], num_inputs: int = 1) -> None:
        self.handle, self.slots, self.num_inputs = handle, operand_slots, num_inputs

    def __call__(self, inputs, outputs):
        n = self.handle(inputs, outputs)
        n = sum(n.values()) if isinstance(n, Counter) else n
        if any(_from_weight(inputs[i], self.num_inputs) for i in self.slots):
            return Counter({"linear": n})
        return Counter({ACT_MATMUL_KEY: n})


def input_channels(model: torch.nn.Module) -> int:
    """Channels the model reads: those of its first convolution (3 for RGB backbones, 1 for the liver U-Net).

    Args:
        model: Any torch module.

    Returns:
        The first ``Conv2d``'s input channels, 3 without a convolution.
    """
    import torch

    conv = next((m for m in model.modules() if isinstance(m, torch.nn.Conv2d)), None)
    return conv.in_channels if conv is not None else 3


def count_model(model: torch.nn.Module, shape: Sequence[int], in_channels: int | None = None) -> dict:
    """Params and the two MAC counts of ``model`` on a ``1xCxHxW`` input (see the module docstring).

    Args:
        model: The model in eval mode (its ``forward(x)`` is traced once).
        shape: Input ``(H, W)``.
        in_channels: Input channels C; default :func:`input_channels` of the model.

    Returns:
        ``dict(params=..., macs=..., macs_attn=..., by_operator=Counter, not_counted=Counter)``: ``macs`` the
        counter convention, ``macs_attn`` with activation-by-activation matrix products.
    """
    import torch
    from mmengine.analysis import FlopAnalyzer
    from mmengine.analysis.complexity_analysis import _DEFAULT_SUPPORTED_FLOP_OPS

    h, w = shape
    x = torch.rand(1, in_channels or input_channels(model), h, w)
    handles = {
        "aten::matmul": _Classifier(_DEFAULT_SUPPORTED_FLOP_OPS["aten::matmul"], (0, 1)),
        "aten::mm": _Classifier(_DEFAULT_SUPPORTED_FLOP_OPS["aten::mm"], (0, 1)),
        "aten::bmm": _Classifier(_DEFAULT_SUPPORTED_FLOP_OPS["aten::bmm"], (0, 1)),
        "aten::baddbmm": _Classifier(_baddbmm_macs, (1, 2)),
        "aten::einsum": _Classifier(_DEFAULT_SUPPORTED_FLOP_OPS["aten::einsum"], (1,)),
        "aten::scaled_dot_product_attention": lambda i, o: Counter({ACT_MATMUL_KEY: _sdpa_macs(i, o)}),
        "aten::_native_multi_head_attention": _native_mha,
    }
    analyzer = FlopAnalyzer(model, (x,)).set_op_handle(**handles)
    analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False).tracer_warnings("none")
    with torch.no_grad():
        by_op = Counter(analyzer.by_operator())
        not_counted = Counter(analyzer.unsupported_ops())
    total = sum(by_op.values())
    return dict(params=sum(p.numel() for p in model.parameters()), macs=total - by_op.get(ACT_MATMUL_KEY, 0),
                macs_attn=total, by_operator=by_op, not_counted=not_counted)


def analyse(configs: Sequence[str], shape: Sequence[int] = (512, 512), cfg_options: dict | None = None,
            verbose: bool = False) -> list[dict]:
    """Count every config's model: one row per config.

    Args:
        configs: Config files or folders (:func:`expand_configs`).
        shape: Input ``(H, W)``.
        cfg_options: ``--cfg-options`` overrides for every config.
        verbose: Print the MACs per operator kind of each model on stderr.

    Returns:
        Rows with ``config`` (file stem), ``shape`` (``"HxW"``), :data:`PARAMS_COL` (M), :data:`STD_COL` and
        :data:`ATTN_COL` (G MACs) and ``seconds``.

    Raises:
        OrgansegInputError: A missing config or an empty folder (named).
    """
    rows = []
    for config in expand_configs(configs):
        t0 = time.time()
        model = build_inference_model(config, cfg_options)
        res = count_model(model, shape)
        row = {
            "config": osp.splitext(osp.basename(config))[0],
            "shape": f"{shape[0]}x{shape[1]}",
            PARAMS_COL: res["params"] / 1e6,
            STD_COL: res["macs"] / 1e9,
            ATTN_COL: res["macs_attn"] / 1e9,
            "seconds": time.time() - t0,
        }
        if verbose:
            ops = ", ".join(f"{k} {v / 1e9:.3f}" for k, v in res["by_operator"].most_common())
            print(f"{row['config']}: GMACs by operator: {ops}; not counted: {dict(res['not_counted'])}",
                  file=sys.stderr)
        rows.append(row)
        del model
    return rows


def format_table(rows: Sequence[dict]) -> str:
    """Plain-text table with a header that names each column's convention.

    Args:
        rows: :func:`analyse`'s rows.

    Returns:
        Four lines on the conventions, then the table (config, params, both MAC counts; two decimals).
    """
    shape = rows[0]["shape"] if rows else "?"
    notes = [
        f"Complexity at {shape} (batch 1, inference: backbone + decode heads, auxiliary heads removed).",
        f"  {STD_COL}: MACs, counter convention (mmengine/fvcore handles, the spleen paper's FLOPs column;",
        "      leaves out matrix products between two activations, i.e. self-attention's QK^T and AV).",
        f"  {ATTN_COL}: MACs incl. attention matmuls (adds those products).",
    ]
    body = [[r["config"], f"{r[PARAMS_COL]:.2f}", f"{r[STD_COL]:.2f}", f"{r[ATTN_COL]:.2f}"] for r in rows]
    return "\n".join(notes) + "\n" + text_table(["Config", "Params (M)", "GMACs counter", "GMACs +attn"], body,
                                                 align="lrrr")


def write_table_csv(rows: Sequence[dict], path: str) -> None:
    """Write :func:`analyse`'s rows (full precision) to the CSV file ``path`` (atomically)."""
    tables.write_csv(path, ["config", "shape", PARAMS_COL, STD_COL, ATTN_COL], rows)


def quiet_mmengine_logger() -> None:
    """Only errors from mmengine's current logger (model building logs a lot at info level)."""
    import logging

    from mmengine.logging import MMLogger

    MMLogger.get_current_instance().setLevel(logging.ERROR)


def complexity_table(configs: Sequence[str], shape: Sequence[int] = (512, 512), cfg_options: dict | None = None,
                     csv: str | None = None, verbose: bool = False) -> str:
    """:func:`analyse` the configs and return :func:`format_table`'s text; with ``csv``, also write the rows.

    Args:
        configs: Config files or folders of configs.
        shape: Input ``(H, W)``.
        cfg_options: ``--cfg-options`` overrides for every config.
        csv: CSV file for the rows (full precision), or None.
        verbose: Print the MACs per operator kind of each model on stderr.

    Returns:
        The printed table (and a ``written:`` line when ``csv`` is given).

    Raises:
        OrgansegInputError: A missing config or an empty folder (named).
    """
    quiet_mmengine_logger()
    rows = analyse(configs, shape, cfg_options, verbose=verbose)
    text = format_table(rows)
    if csv:
        write_table_csv(rows, csv)
        text += f"\nwritten: {csv}"
    return text


def add_run_complexity(runs: Sequence, shape: Sequence[int] = (512, 512)) -> None:
    """Set ``run.extra["params_m"]`` and ``run.extra["flops_g"]`` (counter MACs) of each run from its config.

    The spleen layout's Params (M) / FLOPs (G) columns (``needs_complexity``); each config is counted once.

    Args:
        runs: :class:`~organseg_plugins.core.paper_tables.records.RunRecord` s; runs without a config are skipped.
        shape: Input ``(H, W)``.

    Raises:
        OrgansegInputError: A run's config file is missing (naming its ``job.json``).
    """
    quiet_mmengine_logger()
    cache: dict[str, dict] = {}
    for run in runs:
        if not run.config:
            continue
        if run.config not in cache:
            if not osp.isfile(run.config):
                raise OrgansegInputError(f"{run.work_dir}/job.json: config not found: {run.config}")
            cache[run.config] = analyse([run.config], shape)[0]
        row = cache[run.config]
        run.extra["params_m"] = row[PARAMS_COL]
        run.extra["flops_g"] = row[STD_COL]
