"""``autograded/scores.csv``: one row per student, notebook and graded cell, from nbgrader's gradebook."""
from __future__ import annotations

import csv
from pathlib import Path

from nbgrader.api import Gradebook

from nndebug.course.nbgrader_cli import run_nbgrader

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


NUMBERS = ("raw_score", "late_submission_penalty", "score", "max_score")


def kept_rows(old: list[dict], new: list[dict], key: tuple[str, ...]) -> list[dict]:
    """``new`` plus the rows of ``old`` whose key ``new`` lacks: a gradebook rebuilt and one student
    regraded must not drop the other students' grades."""
    present = {tuple(r.get(k, "") for k in key) for r in new}
    return new + [r for r in old if tuple(r.get(k, "") for k in key) not in present]


def export_grades(root: Path, log: Path, students: list[str] | None) -> Path:
    """``nbgrader export`` to ``root``/grades.csv (only ``students``' rows when given; else every row it
    had before is kept unless the gradebook has a newer one)."""
    path = root / "grades.csv"
    old = read_csv(path) if path.is_file() and path.stat().st_size else []
    if run_nbgrader(root, "export", log=log, timeout=300) != 0:
        raise RuntimeError(f"nbgrader export failed; see {log}")
    rows = read_csv(path)
    if students is not None:
        rows = [r for r in rows if r["student_id"] in students]
    else:
        rows = kept_rows(old, rows, ("assignment", "student_id"))
    write_grades(rows, path)
    return path


def write_grades(rows: list[dict], path: Path) -> None:
    """grades.csv in a stable order (assignment, student), scores rounded as points are given."""
    if not rows:
        path.write_text("")
        return
    rows = [{k: (f"{round(float(v), 4):g}" if k in NUMBERS and v not in ("", None) else v)
             for k, v in r.items()} for r in rows]
    rows = sorted(rows, key=lambda r: (r.get("assignment", ""), r["student_id"]))
    with open(path, "w", newline="") as fh:
        columns = list(dict.fromkeys(k for r in rows for k in r))    # rows kept from an older export too
        writer = csv.DictWriter(fh, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
