"""The project's one error type for bad user input, printed by every command-line tool as one line.

Every check that rejects user data (a missing folder, a 0/255 mask, a size mismatch, a NaN spacing
in ``meta.csv``) raises :class:`OrgansegInputError` with a message that starts with the offending
file (and row) and says what to fix, so a researcher sees *what* to fix instead of a traceback
deep inside mmengine or detectron2. The masks' rule lives in :mod:`organseg_plugins.core.io.validate`;
the command-line convention (one ``error:`` line, exit status 2) in :mod:`organseg_plugins.core.cli`.

A check that finds several independent problems at once (a COCO file naming three missing images) raises ONE
:class:`OrgansegInputError` built by :func:`input_error_lines`: one line per problem, each naming its file, which
the command-line tools print as one ``error:`` line each.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["OrgansegInputError", "input_error_lines"]


class OrgansegInputError(ValueError):
    """Bad user input (files, masks, spacing); the message names the file and the problem."""


def input_error_lines(lines: Sequence[str]) -> OrgansegInputError:
    """One :class:`OrgansegInputError` for several problems, one line each.

    Args:
        lines: One-line problem descriptions (each naming its file), e.g. a heading then one line per problem.

    Returns:
        The error: its message is the lines joined by newlines, and its ``lines`` attribute keeps them, so
        :func:`organseg_plugins.core.cli.report_user_error` prints each as its own ``error:`` line (a plain
        multi-line message is joined into one line instead).
    """
    clean = tuple(" ".join(str(line).split()) for line in lines if str(line).strip())
    err = OrgansegInputError("\n".join(clean))
    err.lines = clean
    return err
