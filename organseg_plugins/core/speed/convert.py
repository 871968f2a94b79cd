"""Speed and memory of the dataset converters at dataset scale, 1 worker against N, in one run, on the CPU.

A generated NIH Pancreas-CT-like set (:func:`organseg_plugins.core.phantoms.ct_volumes.write_ct_volume_phantoms`,
NIH layout only: one DICOM series per case + a NIfTI label; default 8 cases of 200 x 512 x 512 voxels) is
converted by

* ``ct``: :func:`organseg_plugins.core.converters.ct_volumes.convert_ct_volumes` (``datasets_prep/ct_volumes_to_mmseg.py``),
  one whole volume in memory per worker;
* ``dicom``: :func:`organseg_plugins.core.converters.dicom.convert_dicom_cases` (``datasets_prep/dicom_to_png.py``),
  images only (the labels are NIfTI), the same series seen as ``<case>/images`` (links), one slice at a time;

with each number of workers, every run in a fresh process (so that its memory is its own), the runs
interleaved (1, 2, 1, 2, ... with ``repeat``). Per run: wall time, slices/s, the workers' CPU time (its ratio
to the wall time is how many cores the run really had: on a machine shared with other jobs, fewer than its
workers), and each worker's peak resident memory (measured in the worker,
:class:`~organseg_plugins.core.parallel.TaskStats`) against one volume's size (its float32 HU array, as the
readers return it). The outputs of the runs are compared file by file (they must be the same bytes whatever
the workers).
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import shutil
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import OrgansegInputError

__all__ = ["CONVERTERS", "ConvertRun", "ConvertSpeed", "convert_speed", "tree_digest"]

#: The converters timed (see the module docstring).
CONVERTERS = ("ct", "dicom")

_MIB = float(1 << 20)


@dataclass(frozen=True)
class ConvertRun:
    """One timed conversion.

    Attributes:
        converter: ``ct`` or ``dicom``.
        workers: Processes asked for.
        seconds: Wall time of the conversion (the process start and imports excluded).
        slices: Slices written.
        peak_rss: Peak resident memory of each worker process, bytes (one value per worker).
        start_rss: Resident memory of each worker when its first case started, bytes.
        main_peak_rss: Peak resident memory of the process that ran the converter (and merged the
            workers' rows; with 1 worker it is the worker), bytes.
        digest: SHA-256 over every output file's path and bytes.
        cpu_s: CPU time of the workers over the cases, seconds.
    """

    converter: str
    workers: int
    seconds: float
    slices: int
    peak_rss: tuple[int, ...]
    start_rss: tuple[int, ...]
    main_peak_rss: int
    digest: str
    cpu_s: float = 0.0

    @property
    def slices_per_s(self) -> float:
        """Throughput."""
        return self.slices / self.seconds

    @property
    def growth(self) -> int:
        """Largest growth of a worker's resident memory over its start, bytes."""
        return max(p - s for p, s in zip(self.peak_rss, self.start_rss))


@dataclass
class ConvertSpeed:
    """Result of :func:`convert_speed`."""

    cases: int
    shape: tuple[int, int, int]
    write_s: float
    runs: list[ConvertRun] = field(default_factory=list)

    @property
    def volume_bytes(self) -> int:
        """One volume as the readers hold it: float32 HU, ``z * y * x * 4`` bytes."""
        z, y, x = self.shape
        return z * y * x * 4

    def best(self, converter: str, workers: int) -> ConvertRun:
        """The fastest run of a converter with that many workers."""
        return min((r for r in self.runs if r.converter == converter and r.workers == workers),
                   key=lambda r: r.seconds)

    def report(self) -> str:
        """The printed report: the set, every run, then per converter the ratios against 1 worker."""
        z, y, x = self.shape
        vol = self.volume_bytes
        lines = [f"NIH-like set: {self.cases} cases of {z}x{y}x{x} voxels (DICOM series + NIfTI label), "
                 f"written in {self.write_s:.1f} s",
                 f"one volume: {vol / _MIB:.1f} MiB (float32 HU, as read); 2x one volume = {2 * vol / _MIB:.1f} MiB"]
        for conv in dict.fromkeys(r.converter for r in self.runs):
            runs = [r for r in self.runs if r.converter == conv]
            lines.append(f"{conv}: {runs[0].slices} slices")
            for r in runs:
                peaks = "/".join(f"{p / _MIB:.0f}" for p in r.peak_rss)
                starts = "/".join(f"{s / _MIB:.0f}" for s in r.start_rss)
                lines.append(f"  workers {r.workers}: {r.seconds:8.2f} s  {r.slices_per_s:8.2f} slices/s  CPU {r.cpu_s:7.1f} s "
                             f"({r.cpu_s / r.seconds:.2f} cores busy)  peak RSS per "
                             f"worker {peaks} MiB (at start {starts} MiB; growth {r.growth / _MIB:.0f} MiB = "
                             f"{r.growth / vol:.2f}x one volume; main process {r.main_peak_rss / _MIB:.0f} MiB)")
            base = self.best(conv, 1) if any(r.workers == 1 for r in runs) else None
            for n in sorted({r.workers for r in runs} - {1}):
                b = self.best(conv, n)
                if base is not None:
                    lines.append(f"  ratio slices/s {n} workers / 1 worker: {b.slices_per_s / base.slices_per_s:.2f}x")
            worst = max(max(r.peak_rss) for r in runs)
            lines.append(f"  largest peak RSS of a worker: {worst / _MIB:.0f} MiB = {worst / vol:.2f}x one volume; "
                         f"largest growth {max(r.growth for r in runs) / vol:.2f}x one volume "
                         f"({'within' if max(r.growth for r in runs) <= 2 * vol else 'over'} 2x)")
            same = len({r.digest for r in runs}) == 1
            lines.append(f"  outputs byte-identical across runs: {'yes' if same else 'NO'}")
        return "\n".join(lines)


def tree_digest(root: Path) -> str:
    """SHA-256 over every file's relative path and bytes under ``root`` (sorted)."""
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(root).as_posix().encode() + b"\0")
            h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def _dicom_view(nih: Path, view: Path) -> Path:
    """``view/<case>/images`` -> the case's series folder (links): the DICOM converter's layout."""
    for case in sorted(d for d in nih.iterdir() if d.is_dir() and d.name.startswith("PANCREAS_")):
        (view / case.name).mkdir(parents=True, exist_ok=True)
        (view / case.name / "images").symlink_to(case.resolve(), target_is_directory=True)
    return view


def _run(converter: str, src: str, out: str, workers: int) -> ConvertRun:
    """One conversion, in the process that calls it (a fresh one: see :func:`convert_speed`)."""
    from ..converters.ct_volumes import convert_ct_volumes
    from ..converters.dicom import convert_dicom_cases
    from ..parallel import _peak_rss_bytes

    t0 = time.perf_counter()
    if converter == "ct":
        rep = convert_ct_volumes(src, out, progress=False, workers=workers)
    else:
        rep = convert_dicom_cases(src, out, images_only=True, progress=False, workers=workers)
    seconds = time.perf_counter() - t0
    if not rep.ok:
        raise OrgansegInputError(f"{converter} conversion of {src} failed:\n{rep.summary()}")
    by_pid: dict[int, tuple[int, int]] = {}
    for t in rep.resources:
        start, peak = by_pid.get(t.pid, (t.rss_start, 0))
        by_pid[t.pid] = (start, max(peak, t.peak_rss))
    pids = sorted(by_pid)
    return ConvertRun(converter, workers, seconds, rep.converted, tuple(by_pid[p][1] for p in pids),
                      tuple(by_pid[p][0] for p in pids), _peak_rss_bytes(), tree_digest(Path(out)),
                      sum(t.cpu_s for t in rep.resources))


def convert_speed(cases: int = 8, shape: Sequence[int] = (200, 512, 512), workers: Sequence[int] = (1, 2),
                  repeat: int = 1, converters: Sequence[str] = CONVERTERS, tmp_dir: str | None = None,
                  log=None) -> ConvertSpeed:
    """Write the set, then time each converter with each number of workers (see the module docstring).

    Args:
        cases: Volumes in the set.
        shape: ``(z, y, x)`` voxels of each.
        workers: Numbers of workers to compare (each run in a fresh process).
        repeat: Runs of each (interleaved); the report lists all, the ratios use the fastest.
        converters: Subset of :data:`CONVERTERS`.
        tmp_dir: Where the set and the outputs go (deleted at the end; default: the system's temp folder).
        log: ``print``-like callable for progress lines (default: none).

    Raises:
        OrgansegInputError: Bad sizes, workers, repeat or converter names.
    """
    if cases < 1 or len(shape) != 3 or min(shape) < 1:
        raise OrgansegInputError(f"need >= 1 case and three positive sizes Z Y X, got {cases} and {tuple(shape)}")
    if repeat < 1 or not workers or min(workers) < 1:
        raise OrgansegInputError(f"--repeat and --workers must be >= 1, got {repeat} and {list(workers)}")
    bad = sorted(set(converters) - set(CONVERTERS))
    if bad or not converters:
        raise OrgansegInputError(f"unknown converter(s) {bad}; choose from {list(CONVERTERS)}")
    from ..phantoms.ct_volumes import write_ct_volume_phantoms

    say = log or (lambda *_: None)
    shape = (int(shape[0]), int(shape[1]), int(shape[2]))
    tmp = Path(tempfile.mkdtemp(prefix="organseg_speed_convert_", dir=tmp_dir))
    try:
        t0 = time.perf_counter()
        say(f"writing {cases} cases of {shape[0]}x{shape[1]}x{shape[2]} ...")
        nih = write_ct_volume_phantoms(tmp / "raw", cases, shape=shape, layouts=("nih",), compresslevel=1)["nih"]
        result = ConvertSpeed(cases, shape, time.perf_counter() - t0)
        sources = {"ct": nih, "dicom": _dicom_view(nih, tmp / "dicom_view") if "dicom" in converters else None}
        ctx = mp.get_context("spawn")  # a fresh interpreter per run: its memory figures are its own
        for rep_i in range(repeat):
            for conv in converters:
                for n in workers:
                    out = tmp / f"out_{conv}_{n}_{rep_i}"
                    say(f"{conv}, {n} worker(s), run {rep_i + 1} of {repeat} ...")
                    with ProcessPoolExecutor(1, mp_context=ctx) as pool:
                        run = pool.submit(_run, conv, str(sources[conv]), str(out), int(n)).result()
                    result.runs.append(run)
                    shutil.rmtree(out, ignore_errors=True)
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
