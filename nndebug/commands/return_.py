"""``python -m nndebug return``: grades.csv and feedback/ -> LMS import files under outbound/."""
from __future__ import annotations

import argparse
from pathlib import Path

from nndebug import config
from nndebug.commands import BAD_INPUT, error


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, default=config.ROOT, help="the course directory")
    parser.add_argument("--roster", type=Path, help="the roster (default: <root>/roster.csv)")


def run(args: argparse.Namespace) -> int:
    from nndebug.collect.roster import RosterError
    from nndebug.outbound.outbound import write_outbound

    root = args.root.resolve()
    try:
        result = write_outbound(root, roster_path=args.roster)
    except (RosterError, ValueError, FileNotFoundError) as err:
        error("return", err)
        return BAD_INPUT
    for path in result.files:
        print(f"return: wrote {path.relative_to(root)}")
    if result.no_grade:
        print(f"return: {len(result.no_grade)} roster student(s) have no grade and are in no grade file: "
              f"{', '.join(result.no_grade)}")
    if result.stale:
        print(f"return: {len(result.stale)} grade(s) could not be refreshed by the last autograde and are in "
              f"no grade file: {', '.join(s.split(':')[0] for s in result.stale)}")
    if result.routed:
        print(f"return: {len(result.routed)} test(s) were sent to a person and count 0 until a TA scores "
              f"them in formgrader (see {root / 'autograded' / 'routed.md'}): {'; '.join(result.routed)}")
    if result.copies:
        print(f"return: {len(result.copies)} graded student(s) flagged as possible copies, for a person to "
              "judge (no grade changed):")
        print("\n".join(f"  {line}" for line in result.copies))
    print(f"return: {result.scale}")
    print(f"return: {len(result.graded)} grade(s); see {root / 'outbound' / 'report.md'}")
    return 0
