"""``python -m nndebug collect --from <zip or folder>``: what students handed in -> submitted/."""
from __future__ import annotations

import argparse
from pathlib import Path

from nndebug import config
from nndebug.commands import BAD_INPUT, error


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="source", type=Path, required=True,
                        help="a Moodle or Canvas submissions zip, or a folder of notebooks downloaded from "
                             "Colab (one folder per student or flat)")
    parser.add_argument("--root", type=Path, default=config.ROOT, help="the course directory")
    parser.add_argument("--roster", type=Path, help="the roster (default: <root>/roster.csv)")


def run(args: argparse.Namespace) -> int:
    from nndebug.collect.collector import collect
    from nndebug.collect.roster import RosterError

    root = args.root.resolve()
    try:
        result = collect(args.source.resolve(), root, roster_path=args.roster)
    except (RosterError, ValueError, FileNotFoundError) as err:
        error("collect", err)
        return BAD_INPUT
    placed = sum(len(nbs) for nbs in result.placed.values())
    attention = sum(len(getattr(result, a)) for a in
                    ("unmatched", "unknown_task", "not_notebooks", "duplicates", "kept_newer", "skipped"))
    print(f"collect: {result.kind} input, {placed} notebook(s) of {len(result.placed)} student(s) in "
          f"{root / 'submitted'}; {attention} file(s) need attention, "
          f"{len(result.missing)} roster student(s) sent nothing: see {root / 'collect' / 'report.md'}")
    if result.restored:
        print(f"collect: put back {len(result.restored)} notebook(s) removed from submitted/ by hand")
    if result.disk:
        print(f"collect: submitted/ and collect/collected.json disagreed {len(result.disk)} time(s) (the "
              "disk wins); see the report")
    print(f"collect: this collect's report: {root / result.report}")
    return 0
