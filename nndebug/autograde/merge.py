"""Merge the outputs of autograde shards (one folder each) into one grades.csv and scores.csv."""
from __future__ import annotations

from pathlib import Path

from nndebug.autograde.scores import read_csv, sort_rows, write_grades, write_scores


def _files(shards_dir: Path, name: str) -> list[Path]:
    return sorted(p for p in shards_dir.rglob(name) if p.is_file())


def _union(files: list[Path], key: tuple[str, ...]) -> list[dict]:
    rows: dict[tuple, dict] = {}
    for path in files:
        if not path.read_text().strip():
            continue
        for row in read_csv(path):
            k = tuple(row[c] for c in key)
            if k in rows and rows[k] != row:
                raise ValueError(f"{path}: {k} differs from another shard's row; "
                                 "was one student graded in two shards?")
            rows[k] = row
    return list(rows.values())


def merge(shards_dir: Path, grades_out: Path, scores_out: Path, report_out: Path | None = None) -> int:
    """Write the merged files; the number of shard folders merged."""
    scores = _files(shards_dir, "scores.csv")
    grades = _files(shards_dir, "grades.csv")
    if not scores:
        raise FileNotFoundError(f"{shards_dir}: no shard scores.csv found; "
                                "download the shard artifacts there")
    write_scores(sort_rows(_union(scores, ("student_id", "notebook", "grade_id"))), scores_out)
    grades_out.parent.mkdir(parents=True, exist_ok=True)
    write_grades(_union(grades, ("assignment", "student_id")), grades_out)
    if report_out is not None:
        reports = _files(shards_dir, "report.md")
        text = "\n".join(f"<!-- {p.relative_to(shards_dir)} -->\n{p.read_text()}" for p in reports)
        report_out.write_text(text)
    return len(scores)
