"""One command-line convention for every script in ``tools/`` and ``datasets_prep/`` (framework-free).

A *user error* -- a missing or unreadable input file or folder, a 0/255 mask, a broken config, an
option that cannot work -- is reported as ONE line on stderr::

    error: <message naming the file and the problem>

and the process exits with :data:`EXIT_USER_ERROR` (``2``, the status argparse uses for a bad
command line, so "you gave me something wrong" always reads the same). Set ``ORGANSEG_DEBUG=1`` to
also print the traceback (after it, the same ``error:`` line and status). Several independent problems
found by one check (every missing image of a COCO file) come as one error made by
:func:`~organseg_plugins.core.errors.input_error_lines` and are printed as one ``error:`` line each.

Exit statuses of the scripts:

* ``0``: success.
* ``1``: the run went through but some inputs failed (each listed with its file; e.g. a converter
  that skipped unreadable images, ``tools/denoise.py`` with an unreadable slice).
* ``2`` (:data:`EXIT_USER_ERROR`): a user error stopped the run (see above), or argparse refused
  the command line.

The user errors are the types in :data:`USER_ERRORS`: :class:`~organseg_plugins.core.errors.OrgansegInputError`
(raised by every check of the project on user data), :class:`FileNotFoundError` and
:class:`NotADirectoryError`. Anything else is a bug and keeps its traceback.

Use :func:`cli_main` as a decorator of a script's ``main``::

    @cli_main
    def main(argv: list[str] | None = None) -> int:
        ...

    if __name__ == "__main__":
        main()          # exits with main's return value (None -> 0)

This module must not import a deep-learning framework (mmengine, mmseg, mmcv, detectron2, torch).
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

from .errors import OrgansegInputError

__all__ = ["DEBUG_ENV", "EXIT_USER_ERROR", "USER_ERRORS", "cli_main", "report_user_error", "run_main"]

#: Exit status of a run stopped by a user error (as argparse's usage errors).
EXIT_USER_ERROR = 2

#: Exceptions that are the user's to fix: one ``error:`` line, no traceback.
USER_ERRORS: tuple[type[BaseException], ...] = (OrgansegInputError, FileNotFoundError, NotADirectoryError)

#: Environment variable that adds the traceback to a user error's ``error:`` line.
DEBUG_ENV = "ORGANSEG_DEBUG"


def _debug() -> bool:
    return os.environ.get(DEBUG_ENV, "").strip().lower() not in ("", "0", "false", "no")


def report_user_error(err: BaseException) -> int:
    """Print ``err`` as one ``error: <message>`` line on stderr (traceback first with ``ORGANSEG_DEBUG=1``).

    An error made by :func:`~organseg_plugins.core.errors.input_error_lines` (several problems) is printed as
    one ``error:`` line per problem.

    Returns:
        :data:`EXIT_USER_ERROR`.
    """
    if _debug():
        traceback.print_exception(type(err), err, err.__traceback__, file=sys.stderr)
    lines = getattr(err, "lines", None)  # several problems (errors.input_error_lines): one error: line each
    if lines and all(isinstance(line, str) for line in lines):
        for line in lines:
            print(f"error: {line}", file=sys.stderr, flush=True)
        return EXIT_USER_ERROR
    message = " ".join(line.strip() for line in str(err).splitlines() if line.strip())  # one line
    print(f"error: {message or type(err).__name__}", file=sys.stderr, flush=True)
    return EXIT_USER_ERROR


def run_main(main: Callable[..., Any], *args: Any, **kwargs: Any) -> int:
    """Call ``main(*args, **kwargs)`` and return its exit status, a user error becoming :data:`EXIT_USER_ERROR`.

    ``None`` from ``main`` means 0; an ``int`` is returned as is.
    """
    try:
        status = main(*args, **kwargs)
    except USER_ERRORS as err:
        return report_user_error(err)
    return 0 if status is None else int(status)


def cli_main(main: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a script's ``main``: calling it runs it under the convention above and exits the process.

    The wrapped function raises :class:`SystemExit` with ``main``'s status (``None`` -> 0) or with
    :data:`EXIT_USER_ERROR` after printing a user error. The undecorated function stays available as
    ``wrapper.__wrapped__`` (for in-process calls and tests).
    """

    @functools.wraps(main)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        raise SystemExit(run_main(main, *args, **kwargs))

    return wrapper
