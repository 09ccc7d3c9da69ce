"""``autograded/scores.csv``: one row per student, notebook and graded cell, from nbgrader's gradebook."""
from __future__ import annotations

import csv
from pathlib import Path

from nbgrader.api import Gradebook

HEADER = ["student_id", "notebook", "grade_id", "score", "max_score"]


def number(value: float | None) -> str:
    """A score as nbgrader keeps it: '' when there is none yet."""
    if value is None:
        return ""
    return f"{round(float(value), 4):g}"


def gradebook_rows(db_url: str, assignment: str, students: list[str] | None = None) -> list[dict]:
    """Rows of every graded cell of every submission of ``assignment`` (of ``students`` when given)."""
    rows = []
    with Gradebook(db_url) as gb:
        for submission in gb.assignment_submissions(assignment):
            student = submission.student.id
            if students is not None and student not in students:
                continue
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    rows.append({"student_id": student, "notebook": notebook.name, "grade_id": grade.name,
                                 "score": number(grade.score), "max_score": number(grade.max_score)})
    return sort_rows(rows)


def sort_rows(rows: list[dict]) -> list[dict]:
    """The order scores.csv keeps: student, notebook, grade id."""
    return sorted(rows, key=lambda r: (r["student_id"], r["notebook"], r["grade_id"]))


def write_scores(rows: list[dict], path: Path) -> Path:
    """Write ``rows`` as scores.csv."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows({k: row[k] for k in HEADER} for row in rows)
    return path


def read_csv(path: Path) -> list[dict]:
    """Rows of a CSV file with a header."""
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))
