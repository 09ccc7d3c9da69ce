"""``python -m nndebug autograde``: grade submitted/ in sandboxed kernels; scores, feedback, report."""
from __future__ import annotations

import argparse
from pathlib import Path

from nndebug import config
from nndebug.commands import BAD_INPUT, error


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--shard", help="grade only shard k of N (k/N): every N-th student from the k-th")
    parser.add_argument("--student", action="append", help="grade only this student (repeatable)")
    parser.add_argument("--force", action="store_true", help="regrade unchanged submissions too")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run kernels without bwrap (only for submissions you trust; also "
                             "NN_DEBUG_NO_SANDBOX=1)")
    parser.add_argument("--root", type=Path, default=config.ROOT, help="the course directory")


def run(args: argparse.Namespace) -> int:
    from nndebug.autograde.grade import Course, CourseNotReady, autograde
    from nndebug.autograde.sandbox import SandboxUnavailable, sandbox_disabled
    from nndebug.autograde.shard import parse_shard
    from nndebug.course.record import PublishError

    try:
        shard = parse_shard(args.shard) if args.shard else None
        course = Course(root=args.root.resolve(), sandbox=not (args.no_sandbox or sandbox_disabled()))
        outcomes = autograde(course, shard=shard, students=args.student, force=args.force)
    except (ValueError, CourseNotReady, SandboxUnavailable, FileNotFoundError, PublishError) as err:
        error("autograde", err)
        return BAD_INPUT
    print(f"autograde: wrote {course.root / 'grades.csv'}, {course.autograded / 'scores.csv'}, "
          f"{course.autograded / 'report.md'} and feedback/")
    return 0 if outcomes is not None else 1
