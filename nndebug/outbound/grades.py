"""Grade files an LMS imports, from nbgrader's ``grades.csv`` and the roster.

- ``moodle_grades.csv``: Moodle gradebook import (Grades > Import > CSV file), keyed by email: map
  "Email address" to the user's email address and the grade column to the assignment's grade item.
- ``canvas_grades.csv``: Canvas gradebook import: ``Student,ID,SIS User ID,SIS Login ID,Section`` and one
  column named as Canvas's export names the assignment. ``ID`` is the Canvas user id (from the collected
  Canvas zip or roster ``lms_id``); ``SIS Login ID`` the roster email.

A student without a grade gets no row (the LMS keeps its cell empty) and is listed; nobody gets 0 silently.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from nndebug.collect.roster import Roster, Student

MOODLE_HEADER = ["Email address", "Full name"]
CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


@dataclass(frozen=True)
class Grade:
    student_id: str
    score: float
    max_score: float


def read_grades(path: Path, assignment: str) -> dict[str, Grade]:
    """{student_id: Grade} of ``assignment`` in nbgrader's ``grades.csv`` (rows without a score left out)."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no grades; run `make autograde` (or `make merge`) first.")
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = {"student_id", "score", "max_score"} - set(reader.fieldnames or [])
        if missing and (reader.fieldnames or path.stat().st_size):
            raise ValueError(f"{path}: no column(s) {', '.join(sorted(missing))}; is it nbgrader's export?")
        grades = {}
        for row in reader:
            if row.get("assignment", assignment) != assignment or not (row.get("score") or "").strip():
                continue
            grades[row["student_id"]] = Grade(row["student_id"], float(row["score"]),
                                              float(row["max_score"] or 0))
    return grades


def shown(grade: Grade, scale_to: float) -> str:
    """The number the LMS gets: nbgrader's points, or scaled to ``scale_to`` when it is set."""
    value = grade.score
    if scale_to and grade.max_score:
        value = grade.score / grade.max_score * scale_to
    return f"{round(value, 4):g}"


def canvas_id(student: Student, lms: dict) -> str:
    """The Canvas user id: recorded by collect from a Canvas zip, else roster ``lms_id``."""
    return lms.get("canvas", {}).get("user_id", "") or student.lms_id


def write_moodle_grades(path: Path, roster: Roster, grades: dict[str, Grade], column: str,
                        scale_to: float) -> list[str]:
    """Moodle's CSV; returns the student ids written."""
    written = []
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([*MOODLE_HEADER, column])
        for student in roster.students:
            grade = grades.get(student.student_id)
            if grade is None:
                continue
            writer.writerow([student.email, student.full_name, shown(grade, scale_to)])
            written.append(student.student_id)
    return written


def write_canvas_grades(path: Path, roster: Roster, grades: dict[str, Grade], column: str, scale_to: float,
                        lms: dict[str, dict]) -> list[str]:
    """Canvas's CSV; returns the student ids written without a Canvas user id (Canvas may not match them)."""
    no_id = []
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([*CANVAS_HEADER, column])
        for student in roster.students:
            grade = grades.get(student.student_id)
            if grade is None:
                continue
            user_id = canvas_id(student, lms.get(student.student_id, {}))
            if not user_id:
                no_id.append(student.student_id)
            writer.writerow([student.full_name, user_id, "", student.email, "", shown(grade, scale_to)])
    return no_id
