"""``python -m nndebug release``: notebooks/ -> source/<assignment>/ -> release/<assignment>/ (nbgrader),
and the English release/<assignment>_en/ from the same sources."""
from __future__ import annotations

import argparse
from pathlib import Path

from nndebug import config
from nndebug.release import build as release


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, default=config.ROOT,
                        help="write source/ and release/ under this folder (default: the repository)")


def run(args: argparse.Namespace) -> int:
    from nndebug.publish.agree import disagreements

    for folder in release.build(args.root):
        names = ", ".join(sorted(p.name for p in folder.glob("*.ipynb")))
        print(f"{folder}: {names}")
    for line in disagreements(args.root):
        print(f"release: WARNING: {line}")
    return 0
