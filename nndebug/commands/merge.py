"""``python -m nndebug merge``: merge autograde shards' outputs into one grades.csv and scores.csv."""
from __future__ import annotations

import argparse
from pathlib import Path

from nndebug import config
from nndebug.commands import BAD_INPUT, error


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--shards", type=Path, default=config.ROOT / "shards",
                        help="folder with one subfolder per shard (its grades.csv, autograded/scores.csv)")
    parser.add_argument("--root", type=Path, default=config.ROOT, help="where to write the merged files")


def run(args: argparse.Namespace) -> int:
    from nndebug.autograde.merge import merge

    root = args.root.resolve()
    try:
        count = merge(args.shards, root / "grades.csv", root / "autograded" / "scores.csv",
                      root / "autograded" / "report.md")
    except (FileNotFoundError, ValueError) as err:
        error("merge", err)
        return BAD_INPUT
    print(f"merge: {count} shard(s) -> {root / 'grades.csv'}, {root / 'autograded' / 'scores.csv'}")
    return 0
