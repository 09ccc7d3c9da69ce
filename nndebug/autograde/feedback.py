"""Feedback for students, assembled here: ``nbgrader generate_feedback`` (its StripFeedback preprocessor
keeps the verdicts, drops test code), a check that no page shows a hidden test, and the index page."""
from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
from nbgrader.utils import is_grade, is_solution

from nndebug.autograde import feedback_policy
from nndebug.autograde.course import Course
from nndebug.autograde.feedback_index import write_index
from nndebug.autograde.submission import Problem
from nndebug.course.nbgrader_cli import run_nbgrader

# Lines too generic to identify a hidden test (they also occur in given code or in messages).
MIN_LINE = 12


def hidden_test_lines(source_dir: Path, release_dir: Path) -> set[str]:
    """Distinctive lines of the instructor's test cells that the released notebooks do not show."""
    lines: set[str] = set()
    for path in sorted(source_dir.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code" and is_grade(cell) and not is_solution(cell):
                for line in cell.source.splitlines():
                    line = line.strip()
                    if len(line) >= MIN_LINE and not line.startswith("###"):
                        lines.add(line)
    shown: set[str] = set()
    for path in sorted(release_dir.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            shown.update(line.strip() for line in cell.source.splitlines())
    return lines - shown


def visible_text(path: Path) -> str:
    """The text of a feedback HTML file, tags dropped and entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8", errors="replace")))


def leaked_lines(feedback_file: Path, secret: set[str]) -> list[str]:
    """The hidden-test lines that appear in ``feedback_file``."""
    text = visible_text(feedback_file)
    return sorted(line for line in secret if line in text)


def generate_feedback(course: Course, student: str, log: Path, level: str | None = None) -> list[Problem]:
    """``nbgrader generate_feedback`` for one student at kit.toml [feedback]'s level of the moment (recorded
    beside it); a feedback file that shows a hidden test is removed. Never raises: a failure is a problem
    of this student's feedback alone (the grades stand; the other students go on)."""
    try:
        return _generate(course, student, log, level)
    except Exception as err:  # noqa: BLE001 - the report names it; grading goes on
        return [Problem("", f"feedback was not generated ({type(err).__name__}: {str(err)[:300]}); the "
                            "grades stand. Run `make autograde` again once it is fixed")]


def _generate(course: Course, student: str, log: Path, level: str | None) -> list[Problem]:
    level = level or feedback_policy.current_level()
    rc = run_nbgrader(course.root, "generate_feedback", course.assignment, "--student", student, "--force",
                      env={feedback_policy.LEVEL_ENV: level}, log=log, timeout=300)
    if rc != 0:
        return [Problem("", f"feedback was not generated (see {log.relative_to(course.root)})")]
    feedback_policy.record_level(course.feedback / student / course.assignment, level)
    secret = hidden_test_lines(course.root / "source" / course.assignment,
                               course.root / "release" / course.assignment)
    problems = []
    for html_file in sorted((course.root / "feedback" / student / course.assignment).glob("*.html")):
        if leaked_lines(html_file, secret):
            html_file.unlink()
            problems.append(Problem(html_file.stem, "feedback removed: it showed hidden-test code"))
    index = write_index(course.root, course.assignment, student)
    if leaked_lines(index, secret):
        index.unlink()
        problems.append(Problem("", "feedback index removed: it showed hidden-test code"))
    return problems
