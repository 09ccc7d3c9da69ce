"""``samples``: the demo course ``demo/``: the reference solutions and the release untouched, as two
submissions in its own ``submitted/`` (never the class's)."""
from __future__ import annotations

import argparse
from pathlib import Path

from nndebug import config
from nndebug.commands import BAD_INPUT, DONE, error
from nndebug.course.demo import write_demo_course


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--course", type=Path, default=config.DEMO_DIR,
                        help="the demo course folder to write (default: demo/); never the class's root")
    parser.add_argument("--prefix", default="demo", help="student id prefix (default: demo)")


def run(args: argparse.Namespace) -> int:
    if args.course.resolve() == config.ROOT:
        error("samples", f"{args.course}: the course's own folder; the samples go to a folder of their own "
                         "(default demo/), so that a class's autograde and return never see them")
        return BAD_INPUT
    try:
        folders = write_demo_course(args.course, args.prefix)
    except FileNotFoundError as exc:
        error("samples", exc)
        return BAD_INPUT
    for folder in folders:
        print(f"sample submission: {folder}")
    return DONE
