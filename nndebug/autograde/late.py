"""The late policy (kit.toml [late]) through nbgrader's own late-penalty mechanism.

nbgrader's ``AssignLatePenalties`` preprocessor asks a ``LateSubmissionPlugin`` for each notebook's penalty
from the submission's ``total_seconds_late`` (``timestamp.txt`` against the assignment's due date plus the
student's extension, both kept in the gradebook); the gradebook then holds raw score and penalty, and
``nbgrader export`` writes ``raw_score``, ``late_submission_penalty`` and ``score``. :class:`KitLatePenalty`
is that plugin; :func:`record_due` puts kit.toml's due date and extensions in the gradebook.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Enum, Float, Int

from nndebug import config, deadline

UNIT_SECONDS = {"day": 86400, "hour": 3600}
UNIT_RU = {"day": "день", "hour": "час"}


@dataclass(frozen=True)
class Policy:
    """kit.toml [late]: a share of the score per started unit late, after a grace period, capped."""

    penalty: float = 0.0
    per: str = "day"
    max_units: int = 0
    grace_minutes: float = 0.0
    extensions: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_settings(cls) -> Policy:
        late = config.kit().late
        return cls(late.penalty, late.per, late.max_units, late.grace_minutes, dict(late.extensions))

    def units(self, seconds_late: float) -> int:
        """Started units late, 0 within the grace period, at most ``max_units`` when it is set."""
        if seconds_late <= self.grace_minutes * 60 or seconds_late <= 0:
            return 0
        units = math.ceil(seconds_late / UNIT_SECONDS[self.per])
        return min(units, self.max_units) if self.max_units else units

    def share(self, seconds_late: float) -> float:
        """The share of the score taken off."""
        return min(1.0, self.penalty * self.units(seconds_late))

    def points(self, score: float, seconds_late: float) -> float:
        """Points taken off a notebook that scored ``score``."""
        return round(score * self.share(seconds_late), 4)

    def describe(self) -> str:
        """The policy in one English sentence."""
        if not self.penalty:
            return "no late penalty"
        cap = f", for at most {self.max_units} {self.per}(s)" if self.max_units else ""
        grace = f", after a grace period of {self.grace_minutes:g} min" if self.grace_minutes else ""
        return f"{self.penalty:.0%} of the score per started {self.per} late{cap}{grace}"

    def describe_ru(self) -> str:
        """The policy in Russian."""
        if not self.penalty:
            return "без штрафа за опоздание"
        cap = f", не больше чем за {self.max_units} ({self.per})" if self.max_units else ""
        grace = f", после {self.grace_minutes:g} мин. льготного времени" if self.grace_minutes else ""
        return f"{self.penalty:.0%} оценки за каждый начатый {UNIT_RU[self.per]} опоздания{cap}{grace}"

    def extension(self, student: str) -> timedelta | None:
        hours = self.extensions.get(student, 0)
        return timedelta(hours=hours) if hours else None


class KitLatePenalty(LateSubmissionPlugin):
    """nbgrader's late-penalty plugin with kit.toml [late]'s policy (configured by ``nbconfig.configure``)."""

    penalty = Float(0.0, help="share of the score per unit late").tag(config=True)
    per = Enum(("day", "hour"), default_value="day", help="the unit").tag(config=True)
    max_units = Int(0, help="at most this many units count (0: no cap)").tag(config=True)
    grace_minutes = Float(0.0, help="lateness up to this is not late").tag(config=True)

    def policy(self) -> Policy:
        return Policy(self.penalty, self.per, self.max_units, self.grace_minutes)

    def late_submission_penalty(self, student_id: str, score: float,
                                total_seconds_late: float) -> float | None:
        taken = self.policy().points(score or 0.0, total_seconds_late)
        self.log.info("late %s s: %s takes off %s of %s", total_seconds_late, self.policy().describe(), taken,
                      score)
        return taken


def due_date() -> datetime | None:
    """kit.toml [collect] due as naive UTC (None: no due date)."""
    collect = config.kit().collect
    return deadline.parse_due(collect.due, collect.timezone)


def record_due(db_url: str, assignment: str, student: str | None = None,
               policy: Policy | None = None) -> None:
    """The gradebook's due date of ``assignment`` and, for ``student``, their extension (kit.toml)."""
    policy = policy or Policy.from_settings()
    with Gradebook(db_url) as gb:
        record = gb.find_assignment(assignment)
        due = due_date()
        if record.duedate != due:
            record.duedate = due
        if student is not None:
            extension = policy.extension(student)
            try:
                gb.find_submission(assignment, student).extension = extension
            except MissingEntry:        # graded for the first time: created only to hold an extension
                if extension is not None:
                    gb.update_or_create_student(student)
                    gb.update_or_create_submission(assignment, student, extension=extension)
        gb.db.commit()


def lateness(db_url: str, assignment: str, student: str) -> dict | None:
    """How late the student's graded submission was and what it cost, from the gradebook; None when on time
    (or never submitted)."""
    with Gradebook(db_url) as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except Exception:  # noqa: BLE001 - no submission: nothing to say
            return None
        seconds = submission.total_seconds_late
        if not seconds:
            return None
        return {"timestamp": submission.timestamp, "due": submission.duedate, "seconds": seconds,
                "extension_h": (submission.extension.total_seconds() / 3600) if submission.extension else 0,
                "penalty": sum(nb.late_submission_penalty or 0 for nb in submission.notebooks),
                "raw": sum(nb.score for nb in submission.notebooks)}
