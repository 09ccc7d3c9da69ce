"""``roster.csv`` at the course root (personal data, git-ignored): LMS names and ids -> nbgrader student ids.

Columns ``student_id,full_name,email``, an optional ``lms_id`` (the Moodle participant id or the Canvas
user id) and an optional ``language`` (``ru`` or ``en``: which language a student's links list first;
empty: ``ru``). A name is matched whatever its case, spacing, punctuation or word order, so Moodle's
"Ivan Ivanov", Canvas's login "ivanovivan" and a folder named "ivanov.ivan" all find the same student.
"""
from __future__ import annotations

import csv
import itertools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

REQUIRED = ("student_id", "full_name", "email")
OPTIONAL = ("lms_id", "language")
LANGUAGES = ("ru", "en")
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]*$")


class RosterError(ValueError):
    """roster.csv is missing or malformed; the message names the fix."""


def squash(text: str) -> str:
    """Letters and digits only, case-folded (NFKC): the form names are compared in."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if ch.isalnum())


def words(text: str) -> list[str]:
    """The words of a name or file name (split at anything not a letter or digit), case-folded."""
    return [w for w in re.split(r"[^\w]+|_", unicodedata.normalize("NFKC", text).casefold()) if w]


@dataclass(frozen=True)
class Student:
    student_id: str
    full_name: str
    email: str
    lms_id: str = ""
    language: str = ""

    @property
    def lang(self) -> str:
        """The student's language (``ru`` unless the roster says ``en``)."""
        return self.language or LANGUAGES[0]

    def keys(self) -> set[str]:
        """Every squashed form a name of this student takes: id, email, its user part, the full name in
        any word order."""
        found = {squash(self.student_id), squash(self.email), squash(self.email.split("@")[0])}
        names = words(self.full_name)
        if len(names) <= 4:
            found |= {"".join(p) for p in itertools.permutations(names)}
        found.add(squash(self.full_name))
        return {k for k in found if k}

    def surnames(self) -> set[str]:
        """Words of the name long enough to tell a student by in a file name."""
        return {w for w in words(self.full_name) if len(w) >= 3}


class Roster:
    """The students of the course, and how LMS names and ids find them."""

    def __init__(self, students: list[Student], path: Path | None = None) -> None:
        self.students = students
        self.path = path
        self.by_id = {s.student_id: s for s in students}

    @classmethod
    def load(cls, path: Path) -> Roster:
        """Read ``roster.csv``; a missing file, column or duplicate id raises :class:`RosterError`."""
        if not path.is_file():
            raise RosterError(f"{path}: no roster. Write it with the columns {','.join(REQUIRED)} (and "
                              "optionally lms_id: the Moodle participant id or Canvas user id), one row a "
                              "student; it is git-ignored (personal data).")
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in reader.fieldnames or []]
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise RosterError(f"{path}: no column(s) {', '.join(missing)}; the header must be "
                                  f"{','.join(REQUIRED)}[,lms_id][,language] "
                                  f"(found: {','.join(header) or 'nothing'}).")
            students = []
            for line, row in enumerate(reader, start=2):
                row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
                sid = row["student_id"]
                if not SAFE_ID.match(sid):
                    raise RosterError(f"{path}, line {line}: student_id {sid!r} must be letters, digits and "
                                      "_.@+- (it becomes a folder name under submitted/).")
                lang = row.get("language", "").lower()
                if lang not in ("", *LANGUAGES):
                    raise RosterError(f"{path}, line {line}: language {lang!r} must be ru, en or empty.")
                students.append(Student(sid, row["full_name"], row["email"], row.get("lms_id", ""), lang))
        seen: set[str] = set()
        for s in students:
            if s.student_id in seen:
                raise RosterError(f"{path}: student_id {s.student_id!r} appears twice; keep one row.")
            seen.add(s.student_id)
        return cls(students, path)

    def by_lms_id(self, lms_id: str) -> Student | None:
        """The student whose ``lms_id`` is ``lms_id``."""
        found = [s for s in self.students if lms_id and s.lms_id == lms_id]
        return found[0] if len(found) == 1 else None

    def by_name(self, name: str) -> list[Student]:
        """Students whose id, email or full name (any word order) is ``name``, squashed."""
        key = squash(name)
        return [s for s in self.students if key and key in s.keys()] if key else []

    def in_file_name(self, name: str) -> list[Student]:
        """Students named inside a file name (``Ivanov_task1.ipynb``): their id, email user part or a word
        of their full name is a word of it."""
        tokens = set(words(Path(name).stem))
        found = []
        for s in self.students:
            own = {squash(s.student_id), squash(s.email.split("@")[0])} | s.surnames()
            if own & tokens:
                found.append(s)
        return found

    def find(self, *, lms_id: str = "", names: tuple[str, ...] = ()) -> tuple[Student | None, str]:
        """The one student an LMS id or one of ``names`` (tried in order) names; else (None, why)."""
        if lms_id:
            student = self.by_lms_id(lms_id)
            if student:
                return student, ""
        for name in names:
            found = self.by_name(name)
            if len(found) == 1:
                return found[0], ""
            if len(found) > 1:
                ids = ", ".join(s.student_id for s in found)
                return None, f"{name!r} matches several students ({ids}); set their lms_id in roster.csv"
        shown = " / ".join(repr(n) for n in names if n)
        lms = f"LMS id {lms_id}" if lms_id else ""
        return None, f"no roster entry for {' or '.join(x for x in (lms, shown) if x)}"
