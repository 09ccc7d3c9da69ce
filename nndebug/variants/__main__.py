"""``python -m nndebug.variants``: the instructor's tools for per-student variants.

  models              build task 3's model of every variant (``make model`` runs it; none: variants off)
  show STUDENT...     which variant of each task these students get
  whois TOKEN...      the student a published tree's (or a handed-in notebook's) owner token belongs to
  fidelity            every variant buggy vs. its reference fix on the grading data (``make fidelity``)
  diffs               changed lines a diff shows between students' notebooks and against the shared example
  ci-secrets          the course secret and roster.csv from $COURSE_SECRET / $ROSTER_CSV (``make ci-secrets``)
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nndebug import config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nndebug.variants", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="verb", required=True)
    models_p = sub.add_parser("models")
    models_p.add_argument("--force", action="store_true")
    sub.add_parser("show").add_argument("students", nargs="+")
    whois = sub.add_parser("whois")
    whois.add_argument("tokens", nargs="+")
    whois.add_argument("--roster", type=Path, default=config.ROOT / "roster.csv")
    fidelity = sub.add_parser("fidelity")
    fidelity.add_argument("--out", type=Path, default=config.DOCS_DIR / "fidelity_variants.md")
    fidelity.add_argument("--tasks", type=int, nargs="+", default=list(config.TASKS))
    diffs_p = sub.add_parser("diffs")
    diffs_p.add_argument("--students", type=int, default=30)
    diffs_p.add_argument("--lang", choices=("ru", "en"), default="ru")
    ci = sub.add_parser("ci-secrets")
    ci.add_argument("--for", dest="purpose", choices=("publish", "autograde"), default="autograde",
                    help="publish also needs the roster")
    args = parser.parse_args(argv)
    from nndebug.variants import assign

    if args.verb == "ci-secrets":
        from nndebug.variants import secret

        try:
            for line in secret.from_environment(assign.enabled(), need_roster=args.purpose == "publish"):
                print(f"variants: {line}")
        except (secret.SecretError, ValueError) as exc:
            import os

            tag = "::error::" if os.environ.get("GITHUB_ACTIONS") else ""
            print(f"{tag}variants: {exc}", file=sys.stderr)
            return 2
        return 0

    if args.verb == "models":
        if not assign.enabled():
            print("variants: off (kit.toml [variants] enabled = false): no variant models to build")
            return 0
        from nndebug.variants import models

        built = models.build_all(force=args.force)
        print(f"variants: {len(built)} task-3 variant model(s) built" if built
              else "variants: every task-3 variant model is up to date")
        return 0
    if args.verb == "diffs":
        from nndebug.variants import diffs

        print(diffs.table(diffs.measure(args.students, lang=args.lang), args.students))
        return 0
    if args.verb == "show":
        for student in args.students:
            print(f"{student}: {assign.assign(student).label}")
        return 0
    if args.verb == "whois":
        from nndebug.collect.roster import Roster
        from nndebug.variants import grading, secret

        key = secret.load()
        roster = Roster.load(args.roster).students
        owners = {grading.owner_token(key, s.student_id): s.student_id for s in roster}
        for token in args.tokens:
            print(f"{token}: {owners.get(token, 'no student of the roster')}")
        return 0
    from nndebug.variants import fidelity as variant_fidelity

    variant_fidelity.run(args.out, args.tasks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
