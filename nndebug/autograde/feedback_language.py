"""The language of a student's feedback: English for a notebook handed in from the English release.

nbgrader restores every locked cell from the gradebook's (Russian) source at grading, so an English
student's autograded notebook carries the Russian text and bilingual code; the feedback puts the English
release's text and code back and shows the verdicts in English only.
"""
from __future__ import annotations

import json
from pathlib import Path

from nndebug.course import assemble, nbcells


def _cells(path: Path) -> list[dict]:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return []


def given_texts(path: Path, kinds: tuple[str, ...] = ("markdown",)) -> dict[str, str]:
    """{grade id: text} of the given (locked) cells of a release notebook, of the cell types ``kinds``."""
    return {nbcells.grade_id(c): "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in _cells(path) if c.get("cell_type") in kinds and nbcells.is_given(c)
            and nbcells.grade_id(c)}


def english_release(root: Path, assignment: str, notebook: str) -> Path:
    return root / "release" / f"{assignment}_{assemble.ENGLISH_FOLDER}" / f"{notebook}.ipynb"


def submission_language(root: Path, assignment: str, student: str, notebook: str) -> str:
    """'en' when the student's notebook shows the English release's given text, else 'ru'."""
    english = given_texts(english_release(root, assignment, notebook))
    russian = given_texts(root / "release" / assignment / f"{notebook}.ipynb")
    for folder in (root / ".grading" / "submitted", root / "submitted"):
        path = folder / student / assignment / f"{notebook}.ipynb"
        if path.is_file():
            handed_in = given_texts(path)
            en = sum(1 for gid, text in handed_in.items() if english.get(gid) == text != russian.get(gid))
            ru = sum(1 for gid, text in handed_in.items() if russian.get(gid) == text != english.get(gid))
            return "en" if en > ru else "ru"
    return "ru"
