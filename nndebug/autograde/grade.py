"""The autograde run: every (or one shard's, or named) student through sandboxed ``nbgrader autograde``.

Per student: check and stage the submission, back up the previous result, run ``nbgrader autograde
--student`` (kernels leave evidence under ``.grading/evidence/<student>/``, the Verify preprocessor turns
it into the hidden tests' scores), on failure put the previous result back, else generate feedback.
Then ``nbgrader export`` (grades.csv), ``autograded/scores.csv`` and ``autograded/report.md``.
Unchanged submissions graded before are skipped (``--force`` regrades them).
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook

from nndebug import config
from nndebug.autograde import given_cells, protocol, report
from nndebug.autograde.backup import Backup
from nndebug.autograde.course import Course, CourseNotReady, all_students, check_course
from nndebug.autograde.feedback import hidden_test_lines, leaked_lines
from nndebug.autograde.feedback_index import write_index
from nndebug.autograde.limits import ENV_VAR as LIMITS_ENV
from nndebug.autograde.nbgrader_cli import run_nbgrader
from nndebug.autograde.preprocessors.verify import EVIDENCE_ENV, VERDICTS_ENV
from nndebug.autograde.report import cell_troubles, failure_reason
from nndebug.autograde.sandbox import NO_SANDBOX_ENV, check_sandbox
from nndebug.autograde.scores import (
    export_grades,
    gradebook_rows,
    kept_rows,
    read_csv,
    sort_rows,
    write_scores,
)
from nndebug.autograde.shard import shard_students
from nndebug.autograde.stage import ensure_inputs
from nndebug.autograde.state import grading_fingerprint, load_state, save_state
from nndebug.autograde.submission import Problem, check_and_stage, fingerprint
from nndebug.publish.record import RECORD_FILE, check_published_inputs
from nndebug.rubric import render_review
from nndebug.verify import explanation, reference

__all__ = ["Course", "CourseNotReady", "Outcome", "all_students", "autograde", "check_course"]


@dataclass
class Outcome:
    """What happened to one student's submission."""

    student: str
    status: str                     # graded | failed | skipped
    problems: list[Problem] = field(default_factory=list)


def nbgrader_env(course: Course, student: str, staged: Path) -> dict[str, str]:
    """What the nbgrader process (and so the kernel manager) needs to know about this student."""
    env = {LIMITS_ENV: course.limits.to_env(), **course.inputs.to_env(),
           protocol.SUBMISSION: str(staged.resolve()),
           EVIDENCE_ENV: str(course.evidence(student).resolve()),
           VERDICTS_ENV: str(course.verdicts(student).resolve())}
    env[NO_SANDBOX_ENV] = "0" if course.sandbox else "1"
    env["TQDM_DISABLE"] = "1"  # no progress bars in graded notebooks and feedback (the unsandboxed kernel)
    return env


def grade_student(course: Course, student: str, notebooks: list[str]) -> Outcome:
    """Grade one student's submission; on failure, keep the previous result."""
    staged = course.work / "submitted" / student / course.assignment
    problems = check_and_stage(course.submitted(student), staged, notebooks,
                               course.root / "release" / course.assignment)
    for path in sorted(staged.glob("*.ipynb")):
        edits = given_cells.check_files(path, course.root / "release" / course.assignment / path.name)
        if edits:
            problems.append(Problem(path.stem, edits))
    log = course.logs(student)
    log.unlink(missing_ok=True)
    backup = Backup(course, student)
    backup.save()
    ungradable = [p for p in problems if p.notebook and not (staged / f"{p.notebook}.ipynb").exists()]
    if ungradable and backup.had_grade():
        problems.append(Problem("", "could not be regraded (see above); its previous grade is kept."))
        return Outcome(student, "failed", problems)
    if not any(staged.glob("*.ipynb")):
        record_zeros(course, student)
        return Outcome(student, "graded", problems)
    timeout = course.limits.notebook_timeout_s * max(1, len(notebooks)) + 120
    shutil.rmtree(course.verdicts(student), ignore_errors=True)
    rc = run_nbgrader(course.root, "autograde", course.assignment, "--student", student, "--force",
                      f"--CourseDirectory.submitted_directory={staged.parents[1].relative_to(course.root)}",
                      env=nbgrader_env(course, student, staged), log=log, timeout=timeout)
    graded = course.autograded / student / course.assignment
    expected = [p.stem for p in staged.glob("*.ipynb")]
    if rc != 0 or not all((graded / f"{nb}.ipynb").exists() for nb in expected):
        backup.restore()
        kept = "its previous grade is kept" if backup.had_grade() else "it has no grade yet"
        problems.append(Problem("", f"could not be graded: {failure_reason(log)}; {kept}. "
                                    f"Full log: {log.relative_to(course.root)}"))
        return Outcome(student, "failed", problems)
    for nb in expected:
        problems += [Problem(nb, t) for t in cell_troubles(graded / f"{nb}.ipynb", course.limits)]
    problems += generate_feedback(course, student, log)
    return Outcome(student, "graded", problems)


def record_zeros(course: Course, student: str) -> None:
    """A submission with no gradable notebook: every cell scores 0 (as nbgrader does for a missing one)."""
    with Gradebook(course.db_url) as gb:
        gb.update_or_create_student(student)
        submission = gb.update_or_create_submission(course.assignment, student)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False
        gb.db.commit()


def generate_feedback(course: Course, student: str, log: Path) -> list[Problem]:
    """``nbgrader generate_feedback`` for one student; a feedback file that shows a hidden test is removed."""
    rc = run_nbgrader(course.root, "generate_feedback", course.assignment, "--student", student, "--force",
                      log=log, timeout=300)
    if rc != 0:
        return [Problem("", f"feedback was not generated (see {log.relative_to(course.root)})")]
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


def build_reference_curves(course: Course, notebooks: list[str], echo=print) -> None:
    """The reference fix's training curves on each notebook's grading data, for the feedback plots (run once,
    then cached beside the data); a failure only costs the plots their reference line."""
    for task in config.TASKS:
        notebook = config.task(task)["notebook"]
        data = course.inputs.data_for(notebook)
        if notebook not in notebooks or not (data / "train.csv").is_file():
            continue
        if reference.curves(task, data, course.inputs.model, build=False):
            continue
        echo(f"autograde: running the reference fix of task {task} once, for the feedback plots")
        try:
            reference.curves(task, data, course.inputs.model)
        except Exception as err:  # noqa: BLE001 - plots lose their reference line, grades are unaffected
            echo(f"autograde: WARNING: no reference curves for task {task}: {type(err).__name__}: {err}")


def write_review(course: Course) -> Path:
    """``autograded/review.md``: the explanations the rubric is unsure about, over every graded student."""
    rows = []
    for path in sorted((course.work / "verdicts").glob("*/*/*.json")):
        task, text, found = explanation.load(path)
        rows.append((path.parents[1].name, task, text, found))
    out = course.autograded / "review.md"
    out.write_text(render_review(rows))
    return out


def autograde(course: Course, *, shard: tuple[int, int] | None = None, students: list[str] | None = None,
              force: bool = False, echo=print) -> list[Outcome]:
    """Grade the selected students; write grades.csv, autograded/scores.csv and autograded/report.md."""
    check_course(course)
    if course.sandbox:
        check_sandbox()
    else:
        echo("autograde: WARNING: the sandbox is off; student code runs with your user's rights.")
    # What students debug is what is graded: a model that is not the published one is refused.
    check_published_inputs(course.inputs.model, course.root / RECORD_FILE.name)
    ensure_inputs(course.inputs)
    selected = shard_students(all_students(course), shard)
    if students:
        unknown = sorted(set(students) - set(all_students(course)))
        if unknown:
            raise FileNotFoundError(f"no submitted/<student>/{course.assignment}/ for: {', '.join(unknown)}")
        selected = [s for s in selected if s in students]
    notebooks = course.notebooks()
    build_reference_curves(course, notebooks, echo)
    state, base = load_state(course), grading_fingerprint(course)
    outcomes = []
    for student in selected:
        stamp = fingerprint(course.submitted(student), base)
        previous = state.get(student, {})
        if not force and previous.get("fingerprint") == stamp and previous.get("status") != "failed":
            echo(f"autograde: {student}: unchanged since the last run; kept")
            outcomes.append(Outcome(student, "skipped", [Problem(**p) for p in previous.get("problems", [])]))
            continue
        echo(f"autograde: {student}: grading")
        outcome = grade_student(course, student, notebooks)
        echo(f"autograde: {student}: {outcome.status}" + (f", {len(outcome.problems)} problem(s)"
                                                          if outcome.problems else ""))
        state[student] = {"fingerprint": stamp, "status": outcome.status,
                          "problems": [p.to_dict() for p in outcome.problems]}
        save_state(course, state)
        outcomes.append(outcome)
    save_state(course, state)
    scope = selected if shard else None
    export_grades(course.root, course.logs("export"), scope)
    scores_file = course.autograded / "scores.csv"
    rows = gradebook_rows(course.db_url, course.assignment, scope)
    if scope is None and scores_file.is_file():
        rows = sort_rows(kept_rows(read_csv(scores_file), rows, ("student_id", "notebook", "grade_id")))
    write_scores(rows, scores_file)
    text = report.render(outcomes)
    (course.autograded / "report.md").write_text(text)
    review = write_review(course)
    text += f"\nExplanations for a TA: {review.relative_to(course.root)}\n"
    echo(text)
    return outcomes
