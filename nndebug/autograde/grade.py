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
from nndebug.autograde import counted, feedback_policy, given_cells, late, report, routed, variant_job
from nndebug.autograde.backup import Backup
from nndebug.autograde.course import Course, CourseNotReady, all_students, check_course
from nndebug.autograde.feedback import generate_feedback
from nndebug.autograde.feedback_language import english_release
from nndebug.autograde.job import GradingJob
from nndebug.autograde.report import cell_troubles, failure_reason
from nndebug.autograde.sandbox import check_sandbox
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
from nndebug.autograde.state import extension_of, grading_fingerprint, load_state, save_state
from nndebug.autograde.submission import Problem, check_and_stage, fingerprint
from nndebug.course.nbgrader_cli import run_nbgrader
from nndebug.course.record import RECORD_FILE, check_published_inputs
from nndebug.publish.agree import disagreements
from nndebug.rubric import render_review
from nndebug.verify import explanation, reference

# A kept grade is not this submission's: `make return` leaves it out of the grade files and names it.
STALE_NOTE = "`make return` leaves it out of the LMS grade files until it is regraded"

__all__ = ["Course", "CourseNotReady", "Outcome", "all_students", "autograde", "check_course"]


@dataclass
class Outcome:
    """What happened to one student's submission."""

    student: str
    status: str                     # graded | failed | skipped
    problems: list[Problem] = field(default_factory=list)
    stale: bool = False             # failed, and the grade kept is an earlier submission's (or settings')


def grading_job(course: Course, student: str, staged: Path, variant: str | None = None) -> GradingJob:
    """What the nbgrader process (its preprocessors and kernel managers) needs to grade this student (with
    per-student variants: their variants, looked up once by the caller, and their task-3 model)."""
    return variant_job.personal(GradingJob(
        student=student, assignment=course.assignment, submission=staged, evidence=course.evidence(student),
        verdicts=course.verdicts(student), release=course.root / "release" / course.assignment,
        inputs=course.inputs, limits=course.limits, sandbox=course.sandbox, timings=course.timings,
        variant=variant))


def nbgrader_env(job: GradingJob) -> dict[str, str]:
    """The nbgrader process's environment: the job, and no progress bars in graded notebooks and feedback
    (the unsandboxed kernel inherits it)."""
    return {**job.to_env(), "TQDM_DISABLE": "1"}


def grade_student(course: Course, student: str, notebooks: list[str], variant: str | None = None) -> Outcome:
    """Grade one student's submission (``variant``: their variants, :func:`variant_job.resolve`); on
    failure, keep the previous result."""
    staged = course.work / "submitted" / student / course.assignment
    release = course.root / "release" / course.assignment
    try:
        job = grading_job(course, student, staged, variant)
    except FileNotFoundError as err:  # a variant's model missing or stale: nothing graded, nothing lost
        problems = check_and_stage(course.submitted(student), staged, notebooks, release)
        return Outcome(student, "failed", [*problems, Problem("", f"could not be graded: {err}")])
    problems = check_and_stage(course.submitted(student), staged, notebooks, release,
                               variant_job.own_release(job))
    problems += [Problem(nb, text) for nb, text in variant_job.problems(job)]
    for path in sorted(staged.glob("*.ipynb")):
        if job.variant:  # against the student's own notebook
            edits = variant_job.edited_message(job, path)
        else:
            edits = given_cells.check_files(path, course.root / "release" / course.assignment / path.name,
                                            english_release(course.root, course.assignment, path.stem))
        if edits:
            problems.append(Problem(path.stem, edits))
    log = course.logs(student)
    log.unlink(missing_ok=True)
    backup = Backup(course, student)
    backup.save()
    missing = [nb for nb in notebooks if not (staged / f"{nb}.ipynb").exists()]
    unreadable = [p for p in problems if p.notebook in missing and not p.message.startswith("is missing")]
    if unreadable and backup.had_grade():
        problems.append(Problem("", "could not be regraded: a notebook handed in is not readable (see "
                                    f"above); its previous grade is kept and marked stale ({STALE_NOTE})."))
        return Outcome(student, "failed", problems, stale=True)
    if not any(staged.glob("*.ipynb")):
        record_zeros(course, student)
        remove_feedback(course, student, notebooks)
        return Outcome(student, "graded", problems)
    late.record_due(course.db_url, course.assignment, student)    # due date and extension: kit.toml
    timeout = course.limits.notebook_timeout_s * max(1, len(notebooks)) + 120
    shutil.rmtree(course.verdicts(student), ignore_errors=True)
    rc = run_nbgrader(course.root, "autograde", course.assignment, "--student", student, "--force",
                      f"--CourseDirectory.submitted_directory={staged.parents[1].relative_to(course.root)}",
                      env=nbgrader_env(job), log=log, timeout=timeout)
    graded = course.autograded / student / course.assignment
    expected = [p.stem for p in staged.glob("*.ipynb")]
    if rc != 0 or not all((graded / f"{nb}.ipynb").exists() for nb in expected):
        backup.restore()
        kept = f"its previous grade is kept, marked stale ({STALE_NOTE})" if backup.had_grade() \
            else "it has no grade yet"
        problems.append(Problem("", f"could not be graded: {failure_reason(log)}; {kept}. "
                                    f"Full log: {log.relative_to(course.root)}"))
        return Outcome(student, "failed", problems, stale=backup.had_grade())
    for nb in expected:
        problems += [Problem(nb, t) for t in cell_troubles(graded / f"{nb}.ipynb", course.limits)]
    record_zeros(course, student, missing)
    remove_feedback(course, student, missing)
    problems += generate_feedback(course, student, log)
    return Outcome(student, "graded", problems)


def record_zeros(course: Course, student: str, notebooks: list[str] | None = None) -> None:
    """Notebooks not handed in (default: all of them) score 0 in every cell, whatever an earlier grade of
    them said: a missing notebook never keeps an old score (nor a manual one)."""
    if notebooks == []:
        return
    with Gradebook(course.db_url) as gb:
        gb.update_or_create_student(student)
        submission = gb.update_or_create_submission(course.assignment, student)
        for notebook in submission.notebooks:
            if notebooks is not None and notebook.name not in notebooks:
                continue
            for grade in notebook.grades:
                grade.auto_score = 0
                grade.manual_score = None
                grade.needs_manual_grade = False
            notebook.late_submission_penalty = None
        gb.db.commit()


def remove_feedback(course: Course, student: str, notebooks: list[str]) -> None:
    """Drop what an earlier grading left of notebooks not handed in now (autograded copy, feedback page)."""
    for nb in notebooks:
        (course.autograded / student / course.assignment / f"{nb}.ipynb").unlink(missing_ok=True)
        (course.feedback / student / course.assignment / f"{nb}.html").unlink(missing_ok=True)


def refresh_feedback(course: Course, students: list[str], echo=print) -> dict[str, str]:
    """Regenerate the feedback of ``students`` whose pages were written at another kit.toml [feedback] level
    than now's (say, before the due date); {student: problem} for those where it failed."""
    level, failed = feedback_policy.current_level(), {}
    for student in students:
        folder = course.feedback / student / course.assignment
        if not folder.is_dir() or feedback_policy.recorded_level(folder) == level:
            continue
        was = feedback_policy.recorded_level(folder) or "?"
        echo(f"autograde: {student}: feedback written at level {was}, now {level} (kit.toml [feedback]): "
             "regenerating")
        problems = generate_feedback(course, student, course.logs(student), level)
        if problems:
            failed[student] = "; ".join(p.message for p in problems)
    return failed


def build_reference_curves(course: Course, notebooks: list[str], echo=print) -> None:
    """The reference fix's training curves on each notebook's grading data, for the feedback plots (run once,
    then cached beside the data); a failure only costs the plots their reference line."""
    for task in config.TASKS:
        notebook = config.notebook(task)
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
    warnings = disagreements(course.root)
    for line in warnings:
        echo(f"autograde: WARNING: {line}")
    late.record_due(course.db_url, course.assignment)
    build_reference_curves(course, notebooks, echo)
    state, base = load_state(course), grading_fingerprint(course)
    outcomes = []
    for student in selected:
        variant = variant_job.resolve(course.root, student)  # the one lookup: the job carries it from here
        stamp = fingerprint(course.submitted(student),
                            f"{base}|extension={extension_of(student)}{variant_job.stamp(variant)}")
        previous = state.get(student, {})
        if not force and previous.get("fingerprint") == stamp and previous.get("status") != "failed":
            echo(f"autograde: {student}: unchanged since the last run; kept")
            outcomes.append(Outcome(student, "skipped", [Problem(**p) for p in previous.get("problems", [])]))
            continue
        echo(f"autograde: {student}: grading")
        outcome = grade_student(course, student, notebooks, variant)
        echo(f"autograde: {student}: {outcome.status}" + (f", {len(outcome.problems)} problem(s)"
                                                          if outcome.problems else ""))
        history = previous.get("submissions", [])
        if outcome.status == "graded":
            history = counted.record(counted.submission_entry(course.db_url, course.assignment, stamp, base,
                                                              student), history)
        state[student] = {"fingerprint": stamp, "status": outcome.status, "stale": outcome.stale,
                          "problems": [p.to_dict() for p in outcome.problems], "submissions": history,
                          "counted": None}     # its feedback index is new: written again with the count
        save_state(course, state)
        outcomes.append(outcome)
    save_state(course, state)
    skipped = [o.student for o in outcomes if o.status == "skipped"]
    for student, why in refresh_feedback(course, skipped, echo).items():
        next(o for o in outcomes if o.student == student).problems.append(Problem("", why))
    scope = selected if shard else None
    export_grades(course.root, course.logs("export"), scope)
    counts_lines = count_submissions(course, state, base)
    scores_file = course.autograded / "scores.csv"
    rows = gradebook_rows(course.db_url, course.assignment, scope)
    if scope is None and scores_file.is_file():
        rows = sort_rows(kept_rows(read_csv(scores_file), rows, ("student_id", "notebook", "grade_id")))
    write_scores(rows, scores_file)
    text = report.render(outcomes)
    text += counts_section(counts_lines)
    if warnings:
        text += "\n## Settings that disagree\n\n" + "".join(f"- {line}\n" for line in warnings)
    text += routed.write(course.root, course.assignment, course.db_url)   # autograded/routed.md
    (course.autograded / "report.md").write_text(text)
    review = write_review(course)
    text += f"\nExplanations for a TA: {review.relative_to(course.root)}\n"
    text += write_similarity(course) + "\n"
    link_reports(course.autograded)
    echo(text)
    return outcomes


REPORTS = {"report.md": "what could not be graded, edited cells, copies of another variant",
           "routed.md": "fixes sent to a person (0 until a TA scores them)",
           "review.md": "explanations the rubric is unsure of",
           "similarity.md": "submissions that share rare text or code, for a person to judge"}
SEE_ALSO = "\n---\nThe reports of this grading: "


def link_reports(folder: Path) -> None:
    """End each of the grading's reports with links to the others (one line, rewritten on every run)."""
    for name in REPORTS:
        path = folder / name
        if not path.is_file():
            continue
        body = path.read_text(encoding="utf-8").split(SEE_ALSO)[0].rstrip("\n") + "\n"
        links = "; ".join(f"[{other}]({other}) ({what})" for other, what in REPORTS.items()
                          if other != name and (folder / other).is_file())
        path.write_text(body + SEE_ALSO + links + ".\n" if links else body, encoding="utf-8")


def count_submissions(course: Course, state: dict, base: str) -> list[str]:
    """kit.toml [late] counts: grades.csv gets the counted submission's grade; a student's feedback index
    is rewritten when which submission counts changed. Returns the report's lines."""
    from nndebug.autograde.feedback_index import write_index

    picks, changed = counted.counted_all(state, base), []
    for student, pick in picks.items():
        said = {"timestamp": pick.timestamp, "score": pick.score, "latest": pick.latest,
                "how": counted.policy()}
        if state[student].get("counted") != said:
            state[student]["counted"] = said
            changed.append(student)
    save_state(course, state)                       # the index reads it
    for student in changed:
        if (course.feedback / student / course.assignment / "index.html").is_file():
            write_index(course.root, course.assignment, student)
    return counted.apply_to_grades(course.root / "grades.csv", picks, course.assignment)


def counts_section(lines: list[str]) -> str:
    """The report's word on which submission counts (kit.toml [late] counts)."""
    if counted.policy() != "best":
        return ""
    body = "".join(f"- {line}\n" for line in lines) or \
        "- every student's latest graded submission is their best\n"
    return ("\n## Which submission counts (kit.toml [late] counts = \"best\")\n\n"
            "grades.csv and `make return` carry each student's best graded submission (final score, late "
            "penalty taken off); scores.csv and the notebooks' feedback show the latest.\n\n" + body)


def write_similarity(course: Course) -> str:
    """``autograded/similarity.md`` and ``.html`` over every submission (copies flagged for a person; no
    grade is read or changed); a failure costs only the report, and says so."""
    from nndebug import similarity

    try:
        return similarity.run(course.root).line(course.root)
    except Exception as err:  # noqa: BLE001 - the grades are written; only the report is missing
        return f"Similarity report not written: {type(err).__name__}: {err}"
