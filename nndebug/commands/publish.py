"""``publish``: the student repository's tree and release assets under dist/, and published.json."""
from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

from nndebug import config
from nndebug.commands import BAD_INPUT, error
from nndebug.course import record

if TYPE_CHECKING:
    from nndebug.publish.tree import ExtraTrees, Published


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
                        help="download every published model (the seed's and each variant's) into data/ and "
                             "check its hash")


def fetch_models() -> list[Path]:
    """Every model published.json records, fetched to where grading reads it (hash checked)."""
    made = record.read_record()
    if made is None:
        return [record.fetch_published(record.MODEL_NAME, config.MODEL_FILE)]  # its error names the fix
    from nndebug.variants import grading, models

    out = []
    for key, name in record.published_models(made):
        dest = models.model_file(grading.parse_label(key)[3]) if key else config.MODEL_FILE
        out.append(record.fetch_published(name, dest))
    return out


def variant_trees(roster_path: Path | None = None) -> ExtraTrees:
    """``tree.publish``'s ``extra`` with variants: every student's tree and links, the Moodle form
    (``dist/moodle_links.zip``, written by the return's Moodle code) and the summary of what to send."""
    from nndebug.outbound import feedback
    from nndebug.publish.tree import Extra
    from nndebug.variants import publish as variant_publish

    def extra(dist: Path, student: Path, assets: Path, stack: contextlib.ExitStack) -> Extra:
        trees, folders = variant_publish.write_trees(dist, student, assets, stack, roster_path)
        _, no_id = feedback.write_moodle_files(dist / variant_publish.MOODLE_ZIP,
                                               variant_publish.moodle_files(trees))
        return Extra(folders, variant_publish.summary(dist, len(trees), no_id))

    return extra


def _shown(path: Path) -> Path:
    return path.relative_to(config.ROOT) if path.is_relative_to(config.ROOT) else path


def run(args: argparse.Namespace) -> int:
    try:
        if args.status:
            print(record.status_line())
            return 0
        if args.fetch_model:
            for path in fetch_models():
                print(f"publish: fetched the published model into {_shown(path)} (SHA-256 checked)")
            return 0
        from nndebug.publish import tree  # nbgrader and nbformat only when publishing
        from nndebug.variants import assign

        extra, variant_models = None, None
        if assign.enabled():  # per-student variants: every student's own tree, models and links
            from nndebug.variants import publish as variant_publish

            extra, variant_models = variant_trees(), variant_publish.model_assets()
        done = tree.publish(args.dist, release_root=args.root, force=args.force, extra=extra,
                            variant_models=variant_models)
    except record.PublishError as exc:
        error("publish", exc)
        return BAD_INPUT
    for line in summary(done):
        print(line)
    return 0


def summary(done: Published) -> list[str]:
    """What ``make publish`` says it wrote: the tree, every release asset with its hash, the record, and
    what to send students and how (with variants: per LMS)."""
    made = done.record
    shown = _shown(done.student.parent)
    assets = sorted(p.name for p in done.assets.iterdir())
    variant_of = {name: key for key, name in made.variant_models.items()}
    lines = [f"publish: {shown}/student/ is the tree of github.com/{made.student_repo} "
             f"({', '.join(sorted(p.name for p in done.student.iterdir()))})",
             f"publish: {shown}/assets/ holds the {len(assets)} files for its release {made.release_tag} "
             "(attach every one):"]
    for name in assets:
        what = f"  (task 3, {variant_of[name]})" if name in variant_of else ""
        lines.append(f"  {name}  sha256 {made.sha256[name]}{what}")
    lines += [f"publish: recorded in {record.RECORD_FILE.name}; source/ and release/ rebuilt to check these "
              "hashes (commit the three). `make autograde` now grades only with these models. Rebuilding a "
              "model changes its hash: publish again under a new release_tag.",
              "publish: next: push dist/student/ to the student repository and upload dist/assets/* to its "
              f"release {made.release_tag} (.github/workflows/publish.yml does both; README: Publishing to "
              "students)"]
    if not done.summary:
        lines.append("publish: then send students the student repository's link: its README lists the "
                     "notebooks")
    return lines + done.summary
