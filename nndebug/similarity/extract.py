"""Whose answers are compared: the class (``submitted/``), the archive of earlier years, the seed student and
the kit's reference; and what is nobody's (the release notebooks' text and code: task text, captions, stubs).

An answer is the text of an answer cell, found by its grade id (``taskN_explanation``, ``taskN_fix``) in
any notebook of a folder, whatever the file's name; of two notebooks holding one answer the newer counts.
"""
from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from nndebug import config
from nndebug.course.nbcells import grade_id, is_answer, is_given

PARTS = ("explanation", "fix")
ANSWER_ID = re.compile(r"^task(\d+)_(explanation|fix)$")
SEED_FILE = config.NOTEBOOKS_DIR / "seed_answers.toml"
# What nbgrader puts in an unanswered cell, and its solution markers: nobody's text.
PLACEHOLDERS = re.compile(r"^[ \t]*(?:YOUR ANSWER HERE|# YOUR CODE HERE|raise NotImplementedError\(\)"
                          r"|### (?:BEGIN|END) SOLUTION)[ \t]*$", re.MULTILINE)

Key = tuple[int, str]  # (task, "explanation" | "fix")


@dataclass(frozen=True)
class Author:
    """One submission or known source: a name to show, its kind and its answers by (task, part)."""

    name: str
    kind: str  # "student", "archive", "seed" or "reference"
    answers: dict[Key, str] = field(default_factory=dict)

    @property
    def is_source(self) -> bool:
        """A known source (seed, reference, archive): compared with the class, never with one another."""
        return self.kind != "student"


def clean(text: str) -> str:
    """An answer cell's text without nbgrader's placeholders and solution markers."""
    return PLACEHOLDERS.sub("", text).strip("\n")


def notebook_answers(nb: dict) -> dict[Key, str]:
    """The answer cells of one parsed notebook, by (task, part)."""
    found: dict[Key, str] = {}
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        if not isinstance(cell, dict):
            continue
        match = ANSWER_ID.match(grade_id(cell))
        if not match or not is_answer(cell):
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        found[(int(match.group(1)), match.group(2))] = clean(text)
    return found


def read_notebook(path: Path) -> dict | None:
    """A notebook's JSON, or None when the file is no notebook."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return nb if isinstance(nb, dict) and isinstance(nb.get("cells"), list) else None


def folder_answers(folder: Path) -> tuple[dict[Key, str], list[str]]:
    """Every answer in the notebooks under ``folder`` (the newest notebook wins a tie), and the notebooks
    that could not be read."""
    answers: dict[Key, tuple[float, str]] = {}
    unreadable = []
    for path in sorted(folder.rglob("*.ipynb")):
        if any(part.startswith(".") for part in path.relative_to(folder).parts) or not path.is_file():
            continue
        nb = read_notebook(path)
        if nb is None:
            unreadable.append(str(path))
            continue
        mtime = path.stat().st_mtime
        for key, text in notebook_answers(nb).items():
            if key not in answers or mtime >= answers[key][0]:
                answers[key] = (mtime, text)
    return {key: text for key, (_, text) in answers.items()}, unreadable


def class_authors(submitted: Path) -> tuple[list[Author], list[str]]:
    """One author per ``submitted/<student>/`` folder; and the notebooks that could not be read."""
    authors, unreadable = [], []
    if not submitted.is_dir():
        return authors, unreadable
    for folder in sorted(p for p in submitted.iterdir() if p.is_dir() and not p.name.startswith(".")):
        answers, bad = folder_answers(folder)
        unreadable += bad
        if answers:
            authors.append(Author(folder.name, "student", answers))
    return authors, unreadable


def archive_authors(archive: Path) -> tuple[list[Author], list[str]]:
    """Earlier years' submissions: one author per folder that holds notebooks directly, named by its path
    under ``archive`` (``2025/ivanov``; the assignment folder level is dropped)."""
    authors, unreadable = [], []
    folders = sorted({p.parent for p in archive.rglob("*.ipynb")
                      if not any(part.startswith(".") for part in p.relative_to(archive).parts)})
    for folder in folders:
        answers: dict[Key, str] = {}
        for path in sorted(folder.glob("*.ipynb")):
            nb = read_notebook(path)
            if nb is None:
                unreadable.append(str(path))
                continue
            answers.update(notebook_answers(nb))
        owner = folder.parent if folder.name == config.assignment() and folder != archive else folder
        name = owner.relative_to(archive).as_posix() if owner != archive else archive.name
        if answers:
            authors.append(Author(f"archive:{name}", "archive", answers))
    return authors, unreadable


def seed_author(path: Path = SEED_FILE) -> Author:
    """The seed notebook's student (``notebooks/seed_answers.toml``)."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    answers = {(int(name.removeprefix("task")), part): text.strip("\n")
               for name, table in data.items() for part, text in table.items() if part in PARTS}
    return Author("seed", "seed", answers)


def reference_authors() -> list[Author]:
    """The kit's reference answers (the solutions of the authoring sources): the Russian notebooks', and the
    English explanations (the English code is the same, compared once)."""
    from nndebug.course import assemble

    authors = []
    for lang in assemble.LANGUAGES:
        answers: dict[Key, str] = {}
        for task in config.TASKS:
            for cell in assemble.build(task, lang).cells:
                match = ANSWER_ID.match(grade_id(cell))
                if match and is_answer(cell) and (lang == "ru" or match.group(2) == "explanation"):
                    answers[(int(match.group(1)), match.group(2))] = solution(cell.source)
        authors.append(Author(f"reference ({lang})", "reference", answers))
    return authors


def solution(text: str) -> str:
    """The text between nbgrader's solution markers (all of it when there are none)."""
    match = re.search(r"### BEGIN SOLUTION[ \t]*\n(.*?)### END SOLUTION", text, re.S)
    return clean(match.group(1) if match else text)


@dataclass(frozen=True)
class Boilerplate:
    """What every student got: the release notebooks' markdown (task text, captions, stubs) and code."""

    markdown: tuple[str, ...]
    code: tuple[str, ...]


def release_boilerplate(folders: list[Path] | None = None) -> Boilerplate:
    """Every cell of the release notebooks (Russian and English) as nobody's text."""
    if folders is None:
        folders = sorted(p for p in config.RELEASE_DIR.glob(f"{config.assignment()}*") if p.is_dir())
    markdown, code = [], []
    for folder in folders:
        for path in sorted(folder.glob("*.ipynb")):
            nb = read_notebook(path) or {}
            for cell in nb.get("cells", []):
                source = cell.get("source", "")
                text = clean("".join(source) if isinstance(source, list) else str(source))
                (code if cell.get("cell_type") == "code" else markdown).append(text)
    return Boilerplate(tuple(markdown), tuple(code))


def own_given(students: list[str]) -> Boilerplate:
    """With variants on, the given cells of every student's own notebooks (their variant and decoys, both
    languages) as nobody's text: an answer that copies its given code scores as if it copied the shared
    example's, so decoys neither make two honest students alike nor hide a copy (docs/similarity.md).
    Empty with variants off (the release notebooks are every student's)."""
    from nndebug.variants import assign, decoys, render

    if not assign.enabled() or not students:
        return Boilerplate((), ())
    from nndebug.variants import secret

    key = secret.load()
    markdown, code = [], []
    for student in students:
        chosen, draw = assign.assign(student, key), decoys.student_draw(student, key)
        for task in config.TASKS:
            for lang in ("ru", "en"):
                for cell in render.build(chosen.of(task), lang, draw).cells:
                    if is_given(cell):
                        (code if cell.cell_type == "code" else markdown).append(clean(cell.source))
    return Boilerplate(tuple(markdown), tuple(code))


def joined(*parts: Boilerplate) -> Boilerplate:
    """Several boilerplates as one."""
    return Boilerplate(tuple(t for p in parts for t in p.markdown), tuple(t for p in parts for t in p.code))
