"""The project's one error type for bad user input, printed by every command-line tool as one line.

Every check that rejects user data (a missing folder, a 0/255 mask, a size mismatch, a NaN spacing
in ``meta.csv``) raises :class:`OrgansegInputError` with a message that starts with the offending
file (and row) and says what to fix, so a researcher sees *what* to fix instead of a traceback
deep inside mmengine or detectron2. The masks' rule lives in :mod:`organseg_plugins.core.io.validate`;
the command-line convention (one ``error:`` line, exit status 2) in :mod:`organseg_plugins.core.cli`.
"""

from __future__ import annotations

__all__ = ["OrgansegInputError"]


class OrgansegInputError(ValueError):
    """Bad user input (files, masks, spacing); the message names the file and the problem."""
