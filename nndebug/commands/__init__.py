"""One module per verb of ``python -m nndebug <verb>``; they speak one way: results to stdout, errors to
stderr as ``<verb>: <what is wrong and the fix>``, exit 0 (done), 1 (the work failed) or 2 (bad input or a
missing prerequisite)."""
from __future__ import annotations

import sys

DONE, FAILED, BAD_INPUT = 0, 1, 2


def error(verb: str, message: object) -> None:
    """Print ``verb: message`` to stderr."""
    print(f"{verb}: {message}", file=sys.stderr)
