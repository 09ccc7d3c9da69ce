"""The autograde run: every (or one shard's, or named) student through sandboxed ``nbgrader autograde``.

Per student: check and stage the submission, back up the previous result, run ``nbgrader autograde
--student`` (kernels leave evidence under ``.grading/evidence/<student>/``, the Verify preprocessor turns
it into the hidden tests' scores), on failure put the previous result back, else generate feedback.
Then ``nbgrader export`` (grades.csv), ``autograded/scores.csv`` and ``autograded/report.md``.
Unchanged submissions graded before are skipped (``--force`` regrades them).
"""
from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from nndebug import config
from nndebug.autograde import given_cells, report
from nndebug.autograde.feedback import hidden_test_lines, leaked_lines
from nndebug.autograde.feedback_index import write_index
from nndebug.autograde.limits import ENV_VAR as LIMITS_ENV
from nndebug.autograde.limits import Limits
from nndebug.autograde.nbgrader_cli import run_nbgrader
from nndebug.autograde.preprocessors.verify import EVIDENCE_ENV, VERDICTS_ENV
from nndebug.autograde.sandbox import NO_SANDBOX_ENV, check_sandbox
from nndebug.autograde.scores import gradebook_rows, read_csv, sort_rows, write_scores
from nndebug.autograde.shard import shard_students
from nndebug.autograde.stage import ENV_SUBMISSION, Inputs, ensure_inputs
from nndebug.autograde.submission import Problem, check_and_stage, fingerprint
from nndebug.publish.record import RECORD_FILE, check_published_inputs
from nndebug.rubric import render_review
from nndebug.verify import explanation, reference

STATE_FILE = ".nndebug-state.json"   # under autograded/: what was graded from which files
# Errors the grader itself puts in cells: the notebook was graded, but a TA should know.
CELL_TROUBLE = {
    "KernelDied": "the kernel died",
    "NotebookTimeout": "the notebook ran out of time",
    "CellTimeoutError": "a cell ran past the time limit",
    "MemoryError": "a cell ran out of memory",
}


@dataclass
class Course:
    """An nbgrader course directory and what grading it needs."""

    root: Path = config.ROOT
    assignment: str = field(default_factory=config.assignment)
    inputs: Inputs = field(default_factory=Inputs)
    limits: Limits = field(default_factory=Limits.from_settings)
    sandbox: bool = True

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.root / 'gradebook.db'}"

    @property
    def work(self) -> Path:
        return self.root / ".grading"

    @property
    def autograded(self) -> Path:
        return self.root / "autograded"

    def verdicts(self, student: str) -> Path:
        """Where the verifier keeps this student's explanation verdicts (for ``review.md``)."""
        return self.work / "verdicts" / student

    def submitted(self, student: str) -> Path:
        """``submitted/<student>/<assignment>/``; the student's own folder when the notebooks lie directly
        in it (no ``<assignment>/`` level: graded as if they were there, and reported)."""
        folder = self.root / "submitted" / student / self.assignment
        return folder if folder.is_dir() or not folder.parent.is_dir() else folder.parent

    def notebooks(self) -> list[str]:
        """The assignment's notebooks, as the gradebook knows them."""
        if not (self.root / "gradebook.db").exists():
            raise MissingEntry(f"{self.root / 'gradebook.db'} does not exist")
        with Gradebook(self.db_url) as gb:
            return sorted(nb.name for nb in gb.find_assignment(self.assignment).notebooks)


@dataclass
class Outcome:
    """What happened to one student's submission."""

    student: str
    status: str                     # graded | failed | skipped
    problems: list[Problem] = field(default_factory=list)


class CourseNotReady(RuntimeError):
    """The course has no release/gradebook yet."""


def check_course(course: Course) -> None:
    """Make sure the gradebook knows the assignment; fail with the fix when there is no source."""
    source = course.root / "source" / course.assignment
    if not source.is_dir() or not any(source.glob("*.ipynb")):
        raise CourseNotReady(f"{source}: no source notebooks; run `make release` first.")
    recorded = course.work / "gradebook-source.sha"
    stamp = fingerprint(source)
    try:
        course.notebooks()
        if recorded.is_file() and recorded.read_text() == stamp:
            return
    except MissingEntry:
        pass
    # The release is generated elsewhere (release/ stays as built): here only the gradebook is filled (or
    # updated after the source changed: points, tests), with nbgrader's own record of the graded cells,
    # their points and the hidden tests.
    log = course.work / "logs" / "gradebook.log"
    release = (course.work / "release").relative_to(course.root)
    rc = run_nbgrader(course.root, "generate_assignment", course.assignment, "--force",
                      f"--CourseDirectory.release_directory={release}",
                      log=log, timeout=600)
    if rc != 0:
        raise CourseNotReady(f"could not record {course.assignment} in gradebook.db; see {log}")
    course.notebooks()
    recorded.parent.mkdir(parents=True, exist_ok=True)
    recorded.write_text(stamp)


def all_students(course: Course) -> list[str]:
    """Every student with a ``submitted/<student>/<assignment>/`` folder, or notebooks directly in
    ``submitted/<student>/``."""
    base = course.root / "submitted"
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")
                  and ((p / course.assignment).is_dir() or any(p.glob("*.ipynb"))))


def grading_fingerprint(course: Course) -> str:
    """A hash of what grading depends on besides the submission: tests, grading code, settings."""
    parts = [fingerprint(course.root / "source" / course.assignment)]
    parts.append(fingerprint(config.ROOT / "nndebug" / "grading"))
    parts.append(json.dumps(config.settings(), sort_keys=True, default=str))
    parts.append(json.dumps(course.limits.__dict__, sort_keys=True))
    return "|".join(parts)


def load_state(course: Course) -> dict:
    path = course.autograded / STATE_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def save_state(course: Course, state: dict) -> None:
    course.autograded.mkdir(parents=True, exist_ok=True)
    (course.autograded / STATE_FILE).write_text(json.dumps(state, indent=1, sort_keys=True))


def failure_reason(log: Path) -> str:
    """The last error nbgrader logged for a student, in one line."""
    text = log.read_text(errors="replace") if log.exists() else ""
    for marker in ("SandboxUnavailable", "did not finish within"):
        for line in text.splitlines():
            if marker in line:
                return line.strip()
    errors = [ln.strip() for ln in text.splitlines()
              if ln.strip() and ("Error" in ln or "Exception" in ln) and "[AutogradeApp" not in ln]
    return errors[-1][:300] if errors else "nbgrader autograde failed"


def cell_troubles(notebook: Path, limits: Limits) -> list[str]:
    """What went wrong inside the cells of an autograded notebook (kernel death, time, memory, output)."""
    found: list[str] = []
    not_run = 0
    nb = nbformat.read(notebook, as_version=4)
    for index, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        is_test = meta.get("grade", False) and not meta.get("solution", False)
        for out in cell.get("outputs", []):
            name, value = out.get("ename", ""), str(out.get("evalue", ""))
            if out.get("output_type") == "error" and value.startswith("not run:"):
                not_run += 1
            elif out.get("output_type") == "error" and name not in CELL_TROUBLE and not is_test:
                where = f"cell `{meta['grade_id']}`" if meta.get("grade_id") else f"cell {index}"
                found.append(f"{where} raised {name}: {value[:300]} (the tests after it judge what was left)")
            elif out.get("output_type") == "error" and name in CELL_TROUBLE:
                detail = value[:300] or (f"the limit is {limits.cell_timeout_s} s a cell; it was interrupted"
                                         if name == "CellTimeoutError" else "no message")
                found.append(f"cell {index}: {CELL_TROUBLE[name]} ({detail})")
            if out.get("output_type") == "stream" and "[output truncated:" in out.get("text", ""):
                found.append(f"cell {index}: its output was cut at the output limit")
    if not_run:
        found.append(f"{not_run} later cell(s) were not run and score 0")
    return found


class Backup:
    """The student's previous result (gradebook, autograded/ and feedback/ folders), to put back."""

    def __init__(self, course: Course, student: str) -> None:
        self.course, self.student = course, student
        self.dir = course.work / "backup" / student
        self.folders = [course.autograded / student, course.root / "feedback" / student,
                        course.verdicts(student)]

    def save(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        shutil.copy2(self.course.root / "gradebook.db", self.dir / "gradebook.db")
        for i, folder in enumerate(self.folders):
            if folder.exists():
                shutil.copytree(folder, self.dir / str(i), symlinks=True)

    def restore(self) -> None:
        shutil.copy2(self.dir / "gradebook.db", self.course.root / "gradebook.db")
        for i, folder in enumerate(self.folders):
            shutil.rmtree(folder, ignore_errors=True)
            if (self.dir / str(i)).exists():
                shutil.copytree(self.dir / str(i), folder, symlinks=True)

    def had_grade(self) -> bool:
        return (self.dir / "0" / self.course.assignment).exists()


def nbgrader_env(course: Course, student: str, staged: Path) -> dict[str, str]:
    """What the nbgrader process (and so the kernel manager) needs to know about this student."""
    env = {LIMITS_ENV: course.limits.to_env(), **course.inputs.to_env(),
           ENV_SUBMISSION: str(staged.resolve()),
           EVIDENCE_ENV: str((course.work / "evidence" / student).resolve()),
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
    log = course.work / "logs" / f"{student}.log"
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


NUMBERS = ("raw_score", "late_submission_penalty", "score", "max_score")


def kept_rows(old: list[dict], new: list[dict], key: tuple[str, ...]) -> list[dict]:
    """``new`` plus the rows of ``old`` whose key ``new`` lacks: a gradebook rebuilt and one student
    regraded must not drop the other students' grades."""
    present = {tuple(r.get(k, "") for k in key) for r in new}
    return new + [r for r in old if tuple(r.get(k, "") for k in key) not in present]


def export_grades(course: Course, students: list[str] | None) -> Path:
    """``nbgrader export`` to grades.csv (only ``students``' rows when given; else every row it had before
    is kept unless the gradebook has a newer one)."""
    path = course.root / "grades.csv"
    old = read_csv(path) if path.is_file() and path.stat().st_size else []
    if run_nbgrader(course.root, "export", log=course.work / "logs" / "export.log", timeout=300) != 0:
        raise RuntimeError(f"nbgrader export failed; see {course.work / 'logs' / 'export.log'}")
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
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


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
        if not force and previous.get("fingerprint") == stamp:
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
    export_grades(course, scope)
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
