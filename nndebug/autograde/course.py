"""The course directory: every path grading reads and writes, and the gradebook's record of the assignment."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from nndebug import config
from nndebug.autograde.limits import Limits
from nndebug.autograde.stage import Inputs
from nndebug.autograde.submission import fingerprint
from nndebug.course.nbgrader_cli import run_nbgrader


@dataclass
class Course:
    """An nbgrader course directory and what grading it needs."""

    root: Path = config.ROOT
    assignment: str = field(default_factory=config.assignment)
    inputs: Inputs = field(default_factory=Inputs)
    limits: Limits = field(default_factory=Limits.from_settings)
    sandbox: bool = True
    timings: Path | None = None   # `make bench`: each notebook's timings appended here (JSON lines)

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.root / 'gradebook.db'}"

    @property
    def work(self) -> Path:
        return self.root / ".grading"

    @property
    def autograded(self) -> Path:
        return self.root / "autograded"

    @property
    def feedback(self) -> Path:
        return self.root / "feedback"

    def logs(self, name: str) -> Path:
        """``.grading/logs/<name>.log``."""
        return self.work / "logs" / f"{name}.log"

    def evidence(self, student: str) -> Path:
        """Where this student's kernels leave their evidence, one folder per notebook."""
        return self.work / "evidence" / student

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
