"""Dataset converters and split tools (framework-free: numpy, OpenCV, pycocotools, pydicom, tqdm).

The papers' data arrive in formats the frameworks cannot read directly:

* the liver CT study (SPEC section 2, paper 001) labels its 25 cases in CVAT and exports
  **KITTI 1.0** (:mod:`.kitti`), its images are **DICOM series** that must become 8-bit PNG slices
  with a CT window (:mod:`.dicom`), and its evaluation needs an independent test set, i.e.
  **case-level splits** (:mod:`.splits`);
* the spleen ultrasound study (SPEC section 1, paper 000) has DICOM images, label masks and
  radiologist lengths in mm, evaluated with 5-fold cross-validation at patient level (80:20)
  (:mod:`.spleen`, :mod:`.splits`);
* Detectron2 reads COCO instances, MMSegmentation reads 0/1 mask folders (:mod:`.masks_coco`).

Every converter writes the project's MMSegmentation layout (the layout of
:func:`organseg_plugins.core.phantoms.write_phantom_dataset`)::

    OUT/img_dir/{split}/<stem>.png      images
    OUT/ann_dir/{split}/<stem>.png      0/1 masks, same stem
    OUT/meta.csv                        one row per image, ``filename`` + ``split`` + per-image values
    OUT/annotations/instances_{split}.json   COCO instances, ``file_name`` relative to OUT

This module holds what the converters share:

* :class:`ConversionReport` -- per-file errors and warnings, counts, the summary a CLI prints and
  its exit status. A batch conversion never stops at a bad file: it reports the file and the
  problem, skips it, converts the rest, and exits non-zero (1) at the end if anything failed
  (``ignore_errors=True`` / ``--ignore-errors`` turns that into 0; whole-run problems such as a
  missing input folder or an output folder inside the input raise :class:`OrgansegInputError`,
  exit status 2).
* :func:`check_output_dir` -- converters never modify their input: the output folder may not be
  the input folder, inside it, or contain it, and a non-empty output folder needs ``overwrite``.
  All files are written atomically with :mod:`organseg_plugins.core.fileio`.
* :func:`to_binary_mask` -- the one place where masks become 0/1: a {0, 1} mask passes, a
  {0, 255} mask is converted, anything else (e.g. {0, 1, 255}, JPEG artefacts, multi-label maps
  without ``label=``) is an error naming the file and the values found.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import cv2
import numpy as np

from ..errors import OrgansegInputError
from ..fileio import atomic_write_text

__all__ = [
    "SPLITS",
    "IMAGE_EXTS",
    "FileIssue",
    "ConversionReport",
    "check_output_dir",
    "read_image_file",
    "to_binary_mask",
    "case_id_from_name",
    "split_for_name",
    "csv_text",
    "write_csv",
    "progress_iter",
    "safe_stem",
    "add_common_cli_args",
    "run_cli",
    "print_summary",
]

SPLITS: tuple[str, ...] = ("train", "val", "test")
IMAGE_EXTS: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")
_MAX_LISTED = 200

T = TypeVar("T")


# --------------------------------------------------------------------------------------------
# reporting
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileIssue:
    """One problem with one input file (or a short description of the input)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class ConversionReport:
    """What a batch conversion did: counts, per-file errors and warnings, notes.

    Attributes:
        converted: Inputs (images/slices) written (or, in a dry run, that would be written).
        skipped: Inputs not written because of an error.
        errors: Problems that made an input unusable (the input is skipped, the run goes on).
        warnings: Suspicious but usable inputs (converted).
        notes: Counters of expected, non-problematic events (e.g. "image without organ").
        outputs: Paths written, relative to the output folder (empty in a dry run).
        dry_run: Whether nothing was written.
        extra: Converter-specific summary values (e.g. per-split counts).
    """

    converted: int = 0
    skipped: int = 0
    errors: list[FileIssue] = field(default_factory=list)
    warnings: list[FileIssue] = field(default_factory=list)
    notes: dict[str, int] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    dry_run: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def error(self, path: str | os.PathLike, message: str) -> None:
        """Record an error about ``path`` (the caller decides whether to count a skip)."""
        self.errors.append(FileIssue(str(path), message))

    def warn(self, path: str | os.PathLike, message: str) -> None:
        """Record a warning about ``path``."""
        self.warnings.append(FileIssue(str(path), message))

    def note(self, what: str, n: int = 1) -> None:
        """Count an expected event (shown in the summary, never an error)."""
        self.notes[what] = self.notes.get(what, 0) + n

    @property
    def ok(self) -> bool:
        """True when no error was recorded."""
        return not self.errors

    def exit_code(self, ignore_errors: bool = False) -> int:
        """Process exit status: 0 without errors (or with ``ignore_errors``), else 1."""
        return 0 if (self.ok or ignore_errors) else 1

    def summary(self, max_listed: int = _MAX_LISTED) -> str:
        """Multi-line human-readable summary: counts, then every error and warning line."""
        head = "dry run (nothing written): " if self.dry_run else ""
        verb = "would convert" if self.dry_run else "converted"
        lines = [
            f"{head}{verb} {self.converted}, skipped {self.skipped}, "
            f"errors {len(self.errors)}, warnings {len(self.warnings)}"
        ]
        for k, v in sorted(self.notes.items()):
            lines.append(f"  note: {k}: {v}")
        for k, v in self.extra.items():
            lines.append(f"  {k}: {v}")
        for title, items in (("ERROR", self.errors), ("warning", self.warnings)):
            for issue in items[:max_listed]:
                lines.append(f"  {title}: {issue}")
            if len(items) > max_listed:
                lines.append(f"  ... and {len(items) - max_listed} more {title.lower()}s")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the report."""
        return {
            "converted": self.converted,
            "skipped": self.skipped,
            "errors": [{"path": e.path, "message": e.message} for e in self.errors],
            "warnings": [{"path": w.path, "message": w.message} for w in self.warnings],
            "notes": dict(self.notes),
            "dry_run": self.dry_run,
            "extra": self.extra,
        }


# --------------------------------------------------------------------------------------------
# paths and safety
# --------------------------------------------------------------------------------------------


def _is_within(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def check_output_dir(
    out_dir: str | os.PathLike,
    inputs: Sequence[str | os.PathLike],
    overwrite: bool = False,
) -> Path:
    """Refuse an output folder that could modify the input, or a non-empty one without ``overwrite``.

    Args:
        out_dir: Output folder (need not exist).
        inputs: Input folders or files. The output may not equal an input folder, lie inside one,
            or contain one (symbolic links are resolved before comparing).
        overwrite: Allow a non-empty output folder; files with the same names are replaced
            (atomically), other files are left alone.

    Returns:
        The output folder as given (a :class:`~pathlib.Path`).

    Raises:
        OrgansegInputError: On any of the conditions above, naming both paths.
    """
    out = Path(out_dir)
    out_res = out.resolve()
    for inp in inputs:
        if inp is None:
            continue
        ip = Path(inp).resolve()
        if ip.is_file() or (not ip.exists() and ip.suffix):
            if _is_within(ip, out_res):
                raise OrgansegInputError(
                    f"output folder {str(out)!r} contains the input file {str(inp)!r}; "
                    "choose an output folder outside the input (converters never write into their input)"
                )
            continue
        if _is_within(out_res, ip):
            raise OrgansegInputError(
                f"output folder {str(out)!r} is the input folder {str(inp)!r} or inside it; "
                "choose an output folder outside the input (converters never write into their input)"
            )
        if _is_within(ip, out_res):
            raise OrgansegInputError(
                f"output folder {str(out)!r} contains the input folder {str(inp)!r}; "
                "choose an output folder outside the input"
            )
    if out.exists():
        if not out.is_dir():
            raise OrgansegInputError(f"output {str(out)!r} exists and is not a folder")
        if any(out.iterdir()) and not overwrite:
            raise OrgansegInputError(
                f"output folder {str(out)!r} is not empty; choose a new folder or pass overwrite "
                "(--overwrite) to replace files of the same name"
            )
    return out


def require_dir(path: str | os.PathLike, what: str) -> Path:
    """Return ``path`` as a Path, or raise naming it if it is not an existing folder."""
    p = Path(path)
    if not p.exists():
        raise OrgansegInputError(f"{what} {str(p)!r} does not exist")
    if not p.is_dir():
        raise OrgansegInputError(f"{what} {str(p)!r} is not a folder")
    return p


def safe_stem(text: str) -> str:
    """File-name-safe version of ``text``: path separators and odd characters become ``_``."""
    s = re.sub(r"[^A-Za-z0-9._+-]+", "_", str(text).replace("\\", "/").replace("/", "_")).strip("._")
    if not s:
        raise OrgansegInputError(f"cannot make a file name out of {text!r}")
    return s


def list_files(folder: Path, exts: Sequence[str] | None = None, recursive: bool = False) -> list[Path]:
    """Sorted regular, non-hidden files of ``folder`` (optionally with one of ``exts``, lower-case)."""
    it = folder.rglob("*") if recursive else folder.iterdir()
    out = []
    for p in it:
        if not p.is_file() or any(part.startswith(".") for part in p.relative_to(folder).parts):
            continue
        if exts is not None and p.suffix.lower() not in exts:
            continue
        out.append(p)
    return sorted(out)


# --------------------------------------------------------------------------------------------
# reading and checking pixels
# --------------------------------------------------------------------------------------------


def read_image_file(path: str | os.PathLike, flags: int = cv2.IMREAD_UNCHANGED) -> np.ndarray:
    """Read an image with OpenCV, raising a clear error for missing, empty or corrupt files.

    Args:
        path: Image file.
        flags: ``cv2.imdecode`` flags (default: unchanged depth and channels).

    Returns:
        The decoded array (colour images in OpenCV's BGR order).

    Raises:
        OrgansegInputError: Naming the file, if it is missing, empty (0 bytes), cannot be decoded,
            or decodes to an empty array.
    """
    p = Path(path)
    if not p.is_file():
        raise OrgansegInputError(f"{p}: file does not exist")
    raw = np.fromfile(str(p), dtype=np.uint8)
    if raw.size == 0:
        raise OrgansegInputError(f"{p}: file is empty (0 bytes)")
    img = cv2.imdecode(raw, flags)
    if img is None:
        raise OrgansegInputError(f"{p}: cannot be decoded as an image (corrupt or not an image)")
    if img.size == 0:
        raise OrgansegInputError(f"{p}: image has no pixels (shape {img.shape})")
    return img


def _describe(values: np.ndarray, limit: int = 10) -> str:
    shown = ", ".join(str(v) for v in values[:limit].tolist())
    if values.size > limit:
        shown += f", ... ({values.size} distinct values)"
    return "{" + shown + "}"


def to_binary_mask(mask: np.ndarray, source: str, label: int | None = None) -> np.ndarray:
    """Convert a mask to 0/1 ``uint8``, strictly.

    Rules (vectorised; no silent guessing):

    * ``label`` given: foreground is ``mask == label`` (multi-label maps, e.g. CVAT class ids);
      an image where the label does not occur gives an all-zero mask (a slice without the organ).
    * otherwise a mask with values in {0, 1} is returned as is, a mask with values in {0, 255}
      (an "explicitly 0/255 binary" mask) is divided by 255, and anything else is an error.
    * A 3-channel mask is accepted only when its channels are identical (a grey mask saved as
      RGB); a 4-channel one only with a constant alpha.

    Args:
        mask: The mask array (HxW, HxWx1, HxWx3 or HxWx4; bool or integer).
        source: File name used in error messages.
        label: Optional foreground label value.

    Returns:
        HxW uint8 array with values in {0, 1}.

    Raises:
        OrgansegInputError: Naming ``source``: empty, float, multi-channel with different channels,
            or values other than {0, 1} / {0, 255} (the values found are listed).
    """
    m = np.asarray(mask)
    if m.size == 0:
        raise OrgansegInputError(f"{source}: mask is empty (shape {m.shape})")
    if m.ndim == 3:
        if m.shape[2] == 4:
            if not (m[..., 3] == m[0, 0, 3]).all():
                raise OrgansegInputError(f"{source}: mask has a varying alpha channel; expected a grey mask")
            m = m[..., :3]
        if m.shape[2] == 1:
            m = m[..., 0]
        elif m.shape[2] == 3:
            if not ((m[..., 0] == m[..., 1]).all() and (m[..., 1] == m[..., 2]).all()):
                raise OrgansegInputError(
                    f"{source}: mask is a colour image with different channels; expected a grey 0/1 or "
                    "0/255 mask (convert colour label maps with their label colours first)"
                )
            m = m[..., 0]
    if m.ndim != 2:
        raise OrgansegInputError(f"{source}: mask has shape {m.shape}; expected a 2-D mask")
    if m.dtype == bool:
        return m.astype(np.uint8)
    if not np.issubdtype(m.dtype, np.integer):
        raise OrgansegInputError(f"{source}: mask dtype {m.dtype} is not an integer label map")
    if label is not None:
        return (m == label).astype(np.uint8)
    lo, hi = int(m.min()), int(m.max())
    if lo >= 0 and hi <= 1:
        return m.astype(np.uint8, copy=False)
    values = np.unique(m)
    if set(values.tolist()) <= {0, 255}:
        return (m == 255).astype(np.uint8)
    raise OrgansegInputError(
        f"{source}: mask has values {_describe(values)}; expected a binary mask with values {{0, 1}} or "
        "{0, 255} (for a multi-label map, choose the organ's value with label= / --mask-label)"
    )


# --------------------------------------------------------------------------------------------
# case ids and split assignment
# --------------------------------------------------------------------------------------------


def case_id_from_name(name: str, pattern: str | re.Pattern[str]) -> str:
    """Case (patient) id of a file name, from a regular expression.

    The expression is searched (``re.search``) in the file name without its folder. The case id
    is the named group ``case`` (or ``patient``) if present, else group 1, else the whole match.

    Args:
        name: File name or path.
        pattern: Regular expression, e.g. ``r"^(case\\d+)_"`` or ``r"(?P<case>p\\d+)"``.

    Returns:
        The case id (non-empty).

    Raises:
        OrgansegInputError: If the expression does not match (naming the file and the expression).
    """
    rx = re.compile(pattern) if isinstance(pattern, str) else pattern
    base = Path(name).name
    m = rx.search(base)
    if m is None:
        raise OrgansegInputError(f"{name}: file name does not match the case regex {rx.pattern!r}")
    groups = m.groupdict()
    for key in ("case", "patient"):
        if groups.get(key):
            return groups[key]
    if m.re.groups >= 1 and m.group(1):
        return m.group(1)
    if not m.group(0):
        raise OrgansegInputError(f"{name}: the case regex {rx.pattern!r} matched an empty string")
    return m.group(0)


def split_for_name(
    name: str,
    default: str,
    assignment: Mapping[str, str] | None = None,
    case_regex: str | None = None,
    case_id: str | None = None,
) -> tuple[str, str | None]:
    """Split (and case id) of one file.

    Args:
        name: File name (for the regex and error messages).
        default: Split used when there is no ``assignment``.
        assignment: Optional ``{case_id: split}`` (from :mod:`.splits`).
        case_regex: Regex giving the case id from the name (see :func:`case_id_from_name`).
        case_id: Case id known otherwise (e.g. a DICOM case folder); wins over the regex.

    Returns:
        ``(split, case_id)`` (case id ``None`` if unknown).

    Raises:
        OrgansegInputError: If an assignment is given but the case id is unknown or not in it.
    """
    cid = case_id
    if cid is None and case_regex:
        cid = case_id_from_name(name, case_regex)
    if assignment is None:
        return default, cid
    if cid is None:
        raise OrgansegInputError(f"{name}: a split assignment needs a case id (give --case-regex)")
    if cid not in assignment:
        raise OrgansegInputError(f"{name}: case {cid!r} is not in the split assignment")
    return assignment[cid], cid


# --------------------------------------------------------------------------------------------
# CSV, progress
# --------------------------------------------------------------------------------------------


def csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """Deterministic CSV text (``\\n`` line ends); missing values become empty cells."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if r.get(c) is None else r.get(c) for c in columns])
    return buf.getvalue()


def write_csv(path: str | os.PathLike, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> Path:
    """Write :func:`csv_text` atomically."""
    return atomic_write_text(path, csv_text(columns, rows))


def read_csv_rows(path: str | os.PathLike, required: Sequence[str] = ()) -> list[dict[str, str]]:
    """Read a CSV with a header into dicts, checking the ``required`` columns.

    Raises:
        OrgansegInputError: Missing/empty/undecodable file or missing columns (named).
    """
    p = Path(path)
    if not p.is_file():
        raise OrgansegInputError(f"{p}: CSV file does not exist")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise OrgansegInputError(f"{p}: cannot read the CSV file ({exc})") from exc
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None:
        raise OrgansegInputError(f"{p}: CSV file is empty (no header)")
    header = [h.strip() for h in reader.fieldnames]
    missing = [c for c in required if c not in header]
    if missing:
        raise OrgansegInputError(f"{p}: CSV lacks the column(s) {missing}; header is {header}")
    rows = []
    for row in reader:
        rows.append({(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None})
    return rows


def progress_iter(items: Iterable[T], enabled: bool, desc: str, total: int | None = None) -> Iterator[T]:
    """Iterate with a tqdm bar (on stderr) when ``enabled``."""
    if not enabled:
        yield from items
        return
    from tqdm import tqdm

    with tqdm(items, desc=desc, total=total, unit="file", dynamic_ncols=True) as bar:
        yield from bar


# --------------------------------------------------------------------------------------------
# command-line plumbing shared by datasets_prep/*.py
# --------------------------------------------------------------------------------------------

EXIT_HELP = (
    "Exit status: 0 if every input was converted; 1 if some inputs had errors (each is listed with "
    "its file and problem, skipped, and the rest converted; --ignore-errors makes this 0); "
    "2 if the run could not start (bad arguments, missing input folder, output inside the input, "
    "non-empty output without --overwrite)."
)


def add_common_cli_args(parser: argparse.ArgumentParser, output: bool = True) -> None:
    """Add ``--dry-run``, ``--overwrite``, ``--ignore-errors``, ``--no-progress``, ``--report``."""
    parser.add_argument("--dry-run", action="store_true",
                        help="only read and validate the inputs and report; write nothing")
    if output:
        parser.add_argument("--overwrite", action="store_true",
                            help="allow a non-empty output folder (same-name files are replaced)")
    parser.add_argument("--ignore-errors", action="store_true",
                        help="exit 0 even if some inputs had errors (they are still listed and skipped)")
    parser.add_argument("--no-progress", action="store_true", help="disable the progress bar")
    parser.add_argument("--report", default=None,
                        help="also write the report (errors, warnings, counts) as JSON to this file")


def print_summary(report: ConversionReport, args: argparse.Namespace | None = None) -> int:
    """Print the report's summary to stdout, optionally write it as JSON; return the exit status."""
    print(report.summary())
    path = getattr(args, "report", None) if args is not None else None
    if path:
        atomic_write_text(path, json.dumps(report.to_dict(), indent=1, sort_keys=True) + "\n")
    ignore = bool(getattr(args, "ignore_errors", False)) if args is not None else False
    return report.exit_code(ignore)


def run_cli(main: Callable[[list[str] | None], int], argv: list[str] | None = None) -> int:
    """Run a CLI ``main``; turn :class:`OrgansegInputError` into one ``error:`` line and status 2.

    ``ORGANSEG_DEBUG=1`` prints the traceback too.
    """
    try:
        return main(argv)
    except OrgansegInputError as exc:
        if os.environ.get("ORGANSEG_DEBUG"):
            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return 2


def parse_fractions(values: Sequence[float], names: Sequence[str] = SPLITS) -> dict[str, float]:
    """``[0.7, 0.15, 0.15]`` -> ``{"train": 0.7, "val": 0.15, "test": 0.15}`` (missing trailing = 0)."""
    vals = [float(v) for v in values]
    if len(vals) > len(names):
        raise OrgansegInputError(f"at most {len(names)} fractions ({', '.join(names)}), got {vals}")
    vals += [0.0] * (len(names) - len(vals))
    return dict(zip(names, vals, strict=True))


from . import dicom, kitti, masks_coco, spleen, splits  # noqa: E402  (submodules use the helpers above)

__all__ += ["dicom", "kitti", "masks_coco", "spleen", "splits", "require_dir", "list_files",
            "read_csv_rows", "parse_fractions", "EXIT_HELP"]
