"""``python -m nndebug ta-decisions``: the scores a TA typed in formgrader for routed explanations, read from
gradebook.db and kept with the answers in ``tests/rubric_corpus/ta/<term>.toml`` (deduplicated), so that the
next ``make rubric-report`` measures the rubric on them, term by term."""
from __future__ import annotations

import argparse
import datetime
import os
import re
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from nndebug import config
from nndebug.commands import BAD_INPUT, DONE
from nndebug.commands import error as report_error
from nndebug.course.nbgrader_cli import nbgrader_env
from nndebug.rubric import corpus, judge
from nndebug.rubric.ta_terms import Decision, append, path_for
from nndebug.verify import explanation

RUBRIC_CELL = re.compile(r"task(\d+)_explanation_rubric")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--course", type=Path, default=config.ROOT,
                        help="the course folder with gradebook.db (default: this kit)")
    parser.add_argument("--term", default=None,
                        help="the term's name (default: kit.toml [course] release_tag, else year and month)")
    parser.add_argument("--out", type=Path, default=corpus.TA_DIR,
                        help="folder of the terms' files (default tests/rubric_corpus/ta/)")
    parser.add_argument("--all", action="store_true",
                        help="also keep manual scores on answers the rubric did not route (overrides)")


def default_term() -> str:
    tag = config.kit().course.release_tag.strip()
    return re.sub(r"[^\w.-]+", "-", tag) or datetime.date.today().strftime("%Y-%m")


def _answer(course: Path, assignment: str, student: str, notebook: str, task: int) -> str | None:
    """The explanation as the student submitted it: the autograded notebook's answer cell, else the
    submitted one."""
    for folder in ("autograded", "submitted"):
        path = course / folder / student / assignment / f"{notebook}.ipynb"
        if path.is_file():
            nb = nbformat.read(str(path), as_version=4)
            for cell in nb.cells:
                if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == f"task{task}_explanation":
                    return str(cell.source)
    return None


def decisions(course: Path, term: str, everything: bool = False) -> list[Decision]:
    """Every manual score on a ``taskN_explanation_rubric`` cell of the course's assignment, with its answer:
    those the rubric routed to a TA (with ``everything``, overrides of confident scores too)."""
    assignment = config.assignment()
    found = []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for submission in gb.assignment_submissions(assignment):
            student = submission.student.id
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    match = RUBRIC_CELL.fullmatch(grade.name)
                    if match is None or grade.manual_score is None or not grade.max_score:
                        continue
                    task = int(match.group(1))
                    kept = course / ".grading" / "verdicts" / student / f"task{task}_explanation.json"
                    if kept.is_file():
                        _, text, verdict = explanation.load(kept)
                    else:
                        text = _answer(course, assignment, student, notebook.name, task)
                        if text is None:
                            continue
                        verdict = judge(task, text)
                    if not verdict.review and not everything:
                        continue
                    score = float(grade.manual_score) / grade.max_score
                    routed = bool(verdict.review)
                    found.append(Decision(term, student, task, text, score, verdict.fraction, routed))
    return found


def run(args: argparse.Namespace) -> int:
    term = args.term or default_term()
    os.environ["PATH"] = nbgrader_env()["PATH"]  # nbgrader's Gradebook runs `alembic` from PATH
    if not (args.course / "gradebook.db").is_file():
        report_error("ta-decisions", f"no gradebook.db in {args.course}: grade first (make autograde)")
        return BAD_INPUT
    try:
        found = decisions(args.course, term, args.all)
    except MissingEntry as error:
        report_error("ta-decisions", f"{error}: is {config.assignment()} graded in {args.course}?")
        return BAD_INPUT
    added, kept = append(args.out, found)
    print(f"ta-decisions: {len(found)} TA decision(s) in {args.course / 'gradebook.db'}: {added} added to "
          f"{path_for(args.out, term)}, {kept} there already. `make rubric-report` reports them as "
          f"\"ta {term}\".")
    return DONE
