"""``publish``: the student repository's tree and release assets under dist/, and published.json."""
from __future__ import annotations

import argparse
from pathlib import Path

from nndebug import config
from nndebug.commands import BAD_INPUT, error
from nndebug.course import record


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dist", type=Path, default=config.ROOT / "dist",
                        help="where to write student/ and assets/ (default: dist/)")
    parser.add_argument("--root", type=Path, default=config.ROOT,
                        help="where source/ and release/ are rebuilt with the hashes (default: course root)")
    parser.add_argument("--force", action="store_true",
                        help="republish the same release_tag with other files (students' copies then fail)")
    parser.add_argument("--status", action="store_true",
                        help="only say whether data/pretrained_model.pt is the published model")
    parser.add_argument("--fetch-model", action="store_true",
                        help="download the published pretrained_model.pt into data/ and check its hash")


def run(args: argparse.Namespace) -> int:
    try:
        if args.status:
            print(record.status_line())
            return 0
        if args.fetch_model:
            path = record.fetch_published(record.MODEL_NAME, config.MODEL_FILE)
            print(f"publish: fetched the published model into {path.relative_to(config.ROOT)}")
            return 0
        from nndebug.publish import tree  # nbgrader and nbformat only when publishing
        from nndebug.variants import assign

        extra = None
        if assign.enabled():  # per-student variants: every student's own tree and links too
            from nndebug.variants import publish as variant_publish

            extra = variant_publish.extra_trees
        done = tree.publish(args.dist, release_root=args.root, force=args.force, extra=extra)
    except record.PublishError as exc:
        error("publish", exc)
        return BAD_INPUT
    made = done.record
    shown = done.student.parent.relative_to(config.ROOT) if done.student.is_relative_to(config.ROOT) \
        else done.student.parent
    print(f"publish: {shown}/student/ is the tree of github.com/{made.student_repo} "
          f"({', '.join(sorted(p.name for p in done.student.iterdir()))})")
    print(f"publish: {shown}/assets/ holds the files for its release {made.release_tag}:")
    for name, digest in sorted(made.sha256.items()):
        print(f"  {name}  sha256 {digest}")
    print(f"publish: recorded in {record.RECORD_FILE.name}; source/ and release/ rebuilt to check these "
          "hashes (commit the three). `make autograde` now grades only with this model. Rebuilding the "
          "model changes its hash: publish again under a new release_tag.")
    print("publish: next: push dist/student/ to the student repository and upload dist/assets/* to its "
          f"release {made.release_tag} (.github/workflows/publish.yml does both; README: Publishing to "
          "students)")
    return 0
