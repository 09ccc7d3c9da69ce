"""``samples``: sample submissions for the demo: the reference solutions, and the release untouched."""
from __future__ import annotations

import argparse
from pathlib import Path

from nndebug import config
from nndebug.commands import BAD_INPUT, DONE, error
from nndebug.course.solutions import write_samples


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--submitted", type=Path, default=config.SUBMITTED_DIR,
                        help="where to write the submissions (default: submitted/)")
    parser.add_argument("--prefix", default="demo", help="student id prefix (default: demo)")


def run(args: argparse.Namespace) -> int:
    try:
        folders = write_samples(args.submitted, args.prefix)
    except FileNotFoundError as exc:
        error("samples", exc)
        return BAD_INPUT
    for folder in folders:
        print(f"sample submission: {folder}")
    return DONE
