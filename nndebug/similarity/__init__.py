"""Copies found: every submission's answers against the class and the known public answers (the seed
student's, the kit's reference, earlier years' archive), task by task; ``autograded/similarity.md`` and
``.html`` for a person to judge. Never changes a grade.

``extract`` (whose answers), ``text`` (explanations as lemmatised word shingles), ``code`` (answer code as
copydetect's winnowed fingerprints), ``weighting`` (rarity across the class, candidate pairs through rare
features), ``compare`` (pairs and their strength), ``report`` (markdown and HTML).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nndebug import config
from nndebug.similarity import compare, extract, report
from nndebug.similarity.compare import Pair

__all__ = ["Outcome", "Pair", "run"]


@dataclass(frozen=True)
class Outcome:
    """What a run wrote and found."""

    markdown: Path
    html: Path
    pairs: list[Pair]
    flagged: list[Pair]
    students: int

    def line(self, root: Path) -> str:
        where = self.markdown.relative_to(root) if self.markdown.is_relative_to(root) else self.markdown
        return (f"Similarity: {len(self.flagged)} pair(s) flagged for a person to judge among "
                f"{self.students} student(s): {where} (and .html)")


def archive_folder(root: Path, setting: str) -> Path | None:
    """kit.toml [similarity] ``archive`` as a folder (relative to the course root); None when unset."""
    if not setting:
        return None
    folder = Path(setting) if Path(setting).is_absolute() else root / setting
    if not folder.is_dir():
        raise FileNotFoundError(f"kit.toml [similarity] archive = {setting!r}: no folder {folder}; put "
                                "earlier years' submissions there (any layout: one folder of notebooks a "
                                'student) or set archive = ""')
    return folder


def run(root: Path = config.ROOT, out_dir: Path | None = None, *, threshold: float | None = None,
        archive: str | None = None) -> Outcome:
    """Compare ``root/submitted/`` with itself and the known sources; write the two reports."""
    settings = config.kit().similarity
    threshold = settings.threshold if threshold is None else threshold
    archive = settings.archive if archive is None else archive
    folder = archive_folder(root, archive)
    authors, unreadable = extract.class_authors(root / "submitted")
    students = len(authors)
    archived: list[extract.Author] = []
    if folder is not None:
        archived, bad = extract.archive_authors(folder)
        authors += archived
        unreadable += bad
    authors += [extract.seed_author(), *extract.reference_authors()]
    release = sorted(p for p in (root / "release").glob(f"{config.assignment()}*") if p.is_dir())
    boilerplate = extract.release_boilerplate(release or None)
    own = extract.own_given([a.name for a in authors if a.kind == "student"])  # with variants: their decoys
    boilerplate = extract.joined(boilerplate, own)
    pairs = compare.compare(authors, boilerplate, settings.common_share, config.TASKS)
    sources = ("seed", "reference (ru, en)") + ((f"{len(archived)} archived submission(s)",)
                                                if folder is not None else ())
    summary = report.Summary(students, sources, threshold, archive,
                             tuple(str(Path(p).relative_to(root)) if Path(p).is_relative_to(root) else p
                                   for p in unreadable))
    out_dir = out_dir or root / "autograded"
    out_dir.mkdir(parents=True, exist_ok=True)
    markdown, page = out_dir / "similarity.md", out_dir / "similarity.html"
    markdown.write_text(report.render_markdown(pairs, summary), encoding="utf-8")
    page.write_text(report.render_html(pairs, summary), encoding="utf-8")
    return Outcome(markdown, page, pairs, [p for p in pairs if p.strength >= threshold], students)
