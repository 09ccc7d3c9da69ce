"""``similarity``: the class's answers against each other and the known public answers, task by task:
``autograded/similarity.md`` and ``.html`` for a person to judge (no grade is changed)."""
from __future__ import annotations

import argparse
from pathlib import Path

from nndebug import config
from nndebug.commands import BAD_INPUT, DONE, error


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, default=config.ROOT,
                        help="the course root: its submitted/ is compared, its autograded/ written")
    parser.add_argument("--out", type=Path, default=None, help="where to write the reports "
                                                               "(default: <root>/autograded/)")
    parser.add_argument("--threshold", type=float, default=None,
                        help="flag pairs at or over this strength (default: kit.toml [similarity] threshold)")
    parser.add_argument("--archive", default=None,
                        help="earlier years' submissions (default: kit.toml [similarity] archive)")


def run(args: argparse.Namespace) -> int:
    from nndebug import similarity

    if not (args.root / "submitted").is_dir():
        error("similarity", f"no {args.root / 'submitted'}: nothing to compare; collect the submissions "
                            "first (make collect FROM=...)")
        return BAD_INPUT
    try:
        outcome = similarity.run(args.root, args.out, threshold=args.threshold, archive=args.archive)
    except FileNotFoundError as err:
        error("similarity", err)
        return BAD_INPUT
    print(outcome.line(args.root))
    for pair in outcome.flagged:
        answers = ", ".join(f"task {m.key[0]} {m.key[1]}" for m in pair.parts if m.strength >= 0.1)
        print(f"  {pair.strength:.2f}  {pair.a.name} and {pair.b.name}: {answers}")
    return DONE
