"""A student's previous result, kept while they are regraded and put back when the regrade fails."""
from __future__ import annotations

import shutil

from nndebug.autograde.course import Course


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
