"""What a batch conversion did, and the command-line options every converter shares.

A batch conversion never stops at a bad file: it records the file and the problem in a
:class:`ConversionReport`, skips it, converts the rest, and exits 1 at the end if anything failed
(``--ignore-errors`` makes that 0). Whole-run problems (a missing input folder, an output folder
inside the input) raise :class:`~organseg_plugins.core.errors.OrgansegInputError` and exit with
:data:`organseg_plugins.core.cli.EXIT_USER_ERROR`.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..io.atomic import atomic_write_text
from ..parallel import TaskStats, progress_bar

__all__ = [
    "FileIssue", "ConversionReport", "progress_iter", "EXIT_HELP", "add_common_cli_args", "print_summary",
    "without_source",
]

_MAX_LISTED = 200

T = TypeVar("T")

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
        resources: What each worker task measured (:class:`~organseg_plugins.core.parallel.TaskStats`:
            process, resident memory, time); not part of the summary nor of :meth:`to_dict`, which
            are the same for any number of workers.
    """

    converted: int = 0
    skipped: int = 0
    errors: list[FileIssue] = field(default_factory=list)
    warnings: list[FileIssue] = field(default_factory=list)
    notes: dict[str, int] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    dry_run: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    resources: list[TaskStats] = field(default_factory=list, repr=False, compare=False)

    def merge(self, part: ConversionReport) -> None:
        """Add a part's counts, errors, warnings, notes and outputs (a worker's report of one case) after ours."""
        self.converted += part.converted
        self.skipped += part.skipped
        self.errors += part.errors
        self.warnings += part.warnings
        for k, v in part.notes.items():
            self.note(k, v)
        self.outputs += part.outputs

    def error(self, path: str | os.PathLike, message: str) -> None:
        """Record an error about ``path`` (the caller decides whether to count a skip)."""
        self.errors.append(FileIssue(str(path), message))

    def warn(self, path: str | os.PathLike, message: str) -> None:
        """Record a warning about ``path``."""
        self.warnings.append(FileIssue(str(path), message))

    def skip(self, path: str | os.PathLike, message: str) -> None:
        """Record an error about ``path`` and count the input as skipped."""
        self.error(path, message)
        self.skipped += 1

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

def without_source(exc: Exception, source: str | os.PathLike) -> str:
    """The message of ``exc`` without its leading ``"<source>: "`` (a report line names the file already).

    Args:
        exc: The exception (usually an ``OrgansegInputError`` naming ``source`` first).
        source: The input file the message may start with.

    Returns:
        ``str(exc)`` with the ``"<source>: "`` prefix removed when present, else unchanged.
    """
    msg, prefix = str(exc), f"{source}: "
    return msg[len(prefix):] if msg.startswith(prefix) else msg


def progress_iter(items: Iterable[T], enabled: bool, desc: str, total: int | None = None) -> Iterator[T]:
    """Iterate with the project's progress bar (:func:`~organseg_plugins.core.parallel.progress_bar`: on
    stderr, with the time left) when ``enabled``."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with progress_bar(total, desc, "file", enabled) as bar:
        for item in items:
            yield item
            bar.update(1)

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
