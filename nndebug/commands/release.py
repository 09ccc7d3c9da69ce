"""``python -m nndebug release``: notebooks/ -> source/<assignment>/ -> release/<assignment>/ (nbgrader)."""
from __future__ import annotations

import argparse
from pathlib import Path

from nndebug import config
from nndebug.notebook import release


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, default=config.ROOT,
                        help="write source/ and release/ under this folder (default: the repository)")


def run(args: argparse.Namespace) -> int:
    source_dir, release_dir = release.build(args.root)
    for folder in (source_dir, release_dir):
        names = ", ".join(sorted(p.name for p in folder.glob("*.ipynb")))
        print(f"{folder}: {names}")
    return 0
