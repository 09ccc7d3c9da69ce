"""``return``: ``outbound/`` from ``grades.csv``, ``feedback/``, the roster and what collect recorded.

Writes ``moodle_grades.csv``, ``canvas_grades.csv``, ``moodle_feedback.zip``, ``feedback/<student_id>.zip``
and ``report.md`` (who has no grade, no feedback, no LMS id, and graded students not in the roster).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from nndebug import config
from nndebug.autograde import routed
from nndebug.autograde.state import STATE_FILE
from nndebug.collect.collector import STATE
from nndebug.collect.roster import Roster
from nndebug.outbound import copies
from nndebug.outbound import feedback as fb
from nndebug.outbound import grades as gr
from nndebug.settings import Return


@dataclass
class Outbound:
    """What ``return`` wrote and whom it could not serve."""

    graded: list[str] = field(default_factory=list)
    no_grade: list[str] = field(default_factory=list)
    not_in_roster: list[str] = field(default_factory=list)
    no_canvas_id: list[str] = field(default_factory=list)
    no_moodle_id: list[str] = field(default_factory=list)
    no_feedback: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    feedback_held: list[str] = field(default_factory=list)
    routed: list[str] = field(default_factory=list)   # tests sent to a person that no TA has scored yet
    copies: list[str] = field(default_factory=list)   # graded students flagged as possible copies, and where
    feedback_level: str = ""
    files: list[Path] = field(default_factory=list)
    scale: str = ""


def return_settings() -> Return:
    """kit.toml [return]: the grade column names and ``scale_to``."""
    return config.kit().returns


def recorded_lms(root: Path) -> dict[str, dict]:
    """{student_id: {"moodle": {...}, "canvas": {...}}} that collect recorded from the LMS zips."""
    path = root / "collect" / STATE
    state = json.loads(path.read_text()) if path.exists() else {}
    return {sid: entry.get("lms", {}) for sid, entry in state.items()}


def stale_grades(root: Path) -> dict[str, str]:
    """{student_id: why} of grades the last ``make autograde`` could not refresh (an earlier submission's,
    or graded under other settings): never exported as if they were current."""
    path = root / "autograded" / STATE_FILE
    state = json.loads(path.read_text()) if path.exists() else {}
    out = {}
    for sid, entry in state.items():
        if entry.get("stale"):
            whys = [p["message"] for p in entry.get("problems", []) if "could not be" in p["message"]]
            out[sid] = whys[-1] if whys else "the last regrade failed"
    return out


def scale_line(scale_to: float, grades: dict[str, gr.Grade]) -> str:
    """What the LMS gets out of what: stated on every return."""
    tops = sorted({g.max_score for g in grades.values()})
    top = "/".join(f"{t:g}" for t in tops) or "?"
    if scale_to:
        return (f"kit.toml [return] scale_to = {scale_to:g}: grades are sent out of {scale_to:g} (nbgrader's "
                f"points out of {top}, rescaled); the LMS grade item's maximum must be {scale_to:g}.")
    return (f"kit.toml [return] scale_to = 0: grades are sent as nbgrader's points, out of {top}; the LMS "
            f"grade item's maximum must be {top} (set scale_to to the item's maximum, e.g. 10 or 100).")


def apply_feedback_level(root: Path, assignment: str, students: list[str], echo=print) -> list[str]:
    """Feedback at kit.toml [feedback]'s level of now: pages written at another level are regenerated (with
    the gradebook); those that cannot be are held back. Returns '<student>: why' of those held back."""
    from nndebug.autograde import feedback_policy

    level = feedback_policy.current_level()
    behind = [s for s in students if (root / "feedback" / s / assignment).is_dir()
              and feedback_policy.recorded_level(root / "feedback" / s / assignment) != level]
    if not behind:
        return []
    if not (root / "gradebook.db").is_file():
        return [f"{s}: its feedback was written at level "
                f"{feedback_policy.recorded_level(root / 'feedback' / s / assignment) or 'unknown'}, "
                f"kit.toml [feedback] wants {level} now, and there is no gradebook.db here to regenerate it "
                "(`make autograde` where the gradebook is)" for s in behind]
    from nndebug.autograde.grade import Course, refresh_feedback

    failed = refresh_feedback(Course(root=root, assignment=assignment), behind,
                              lambda line: echo(line.replace("autograde:", "return:", 1)))
    return [f"{s}: regenerating its feedback failed: {why}" for s, why in sorted(failed.items())]


def write_outbound(root: Path = config.ROOT, *, assignment: str | None = None,
                   roster_path: Path | None = None, settings: Return | None = None,
                   echo=print) -> Outbound:
    """Write everything under ``root/outbound/``."""
    assignment = assignment or config.assignment()
    settings = settings or return_settings()
    roster = Roster.load(roster_path or root / "roster.csv")
    grades = gr.read_grades(root / "grades.csv", assignment)
    stale = stale_grades(root)
    result = Outbound(scale=scale_line(settings.scale_to, grades))
    result.stale = [f"{sid}: {why}" for sid, why in sorted(stale.items()) if sid in grades]
    grades = {sid: g for sid, g in grades.items() if sid not in stale}
    result.routed = [line for line in routed.pending(root, assignment) if line.split(":")[0] in grades]
    result.copies = copies.flagged(root, set(grades))
    lms = recorded_lms(root)
    out = root / "outbound"
    out.mkdir(parents=True, exist_ok=True)
    result.not_in_roster = sorted(set(grades) - set(roster.by_id))
    result.no_grade = [s.student_id for s in roster.students if s.student_id not in grades
                       and s.student_id not in stale]
    result.graded = gr.write_moodle_grades(out / "moodle_grades.csv", roster, grades,
                                           settings.moodle_grade_item, settings.scale_to)
    result.no_canvas_id = gr.write_canvas_grades(out / "canvas_grades.csv", roster, grades,
                                                 settings.canvas_assignment, settings.scale_to, lms)
    from nndebug.autograde.feedback_policy import current_level

    result.feedback_level = current_level()
    everyone = [s.student_id for s in roster.students]
    result.feedback_held = apply_feedback_level(root, assignment, everyone, echo)
    held = {line.split(":")[0] for line in result.feedback_held}
    roster = Roster([s for s in roster.students if s.student_id not in held], roster.path)
    for sid in held:
        (out / "feedback" / f"{sid}.zip").unlink(missing_ok=True)
    _, result.no_moodle_id = fb.write_moodle_zip(out / "moodle_feedback.zip", roster, root / "feedback",
                                                 assignment, lms)
    for student in roster.students:
        files = fb.feedback_files(root / "feedback", student.student_id, assignment)
        target = out / "feedback" / f"{student.student_id}.zip"
        if files:
            result.files.append(fb.write_student_zip(target, files))
        else:
            target.unlink(missing_ok=True)
            if student.student_id in grades:
                result.no_feedback.append(student.student_id)
    result.files[:0] = [out / "moodle_grades.csv", out / "canvas_grades.csv", out / "moodle_feedback.zip"]
    (out / "report.md").write_text(render(result, assignment), encoding="utf-8")
    return result


SECTIONS = [
    ("copies", "Possible copies among the grades exported (for a person to judge; no grade was changed): "
               "the variants check (autograded/report.md) or the similarity report, with the class or the "
               "public answers (autograded/similarity.md, side by side in similarity.html)."),
    ("feedback_held", "Feedback held back: not at the level kit.toml [feedback] wants now (no rubric points "
                      "named before the due date; everything after it) and not regenerated."),
    ("stale", "Grades `make autograde` could not refresh (the grade in grades.csv is an earlier submission's "
              "or was given under other settings): left out of the grade files. Fix what "
              "autograded/report.md says and run `make autograde`, or enter the grade by hand."),
    ("routed", "Tests sent to a person that no TA has scored yet (autograded/routed.md): they count 0 in the "
               "grade files. Score them in formgrader (Manual Grading), run `nbgrader export` or `make "
               "autograde`, then `make return` again."),
    ("no_grade", "Roster students without a grade (no row in the grade files; the LMS keeps their cell "
                 "empty). Grade them (`make autograde`) or enter the grade by hand."),
    ("not_in_roster", "Graded students not in roster.csv (in no grade file). Add them to roster.csv."),
    ("no_canvas_id", "In canvas_grades.csv without a Canvas user id (ID column). Collect from a Canvas zip "
                     "or set roster lms_id; else Canvas matches by SIS Login ID (the roster email) only."),
    ("no_moodle_id", "Not in moodle_feedback.zip: no Moodle participant id. Collect from a Moodle zip or "
                     "set roster lms_id; their feedback is in outbound/feedback/<student_id>.zip."),
    ("no_feedback", "Graded but no feedback HTML under feedback/<student_id>/ (see autograded/report.md)."),
]


def render(result: Outbound, assignment: str) -> str:
    """``outbound/report.md``."""
    lines = [f"# Return: {assignment}", "", f"Grades for {len(result.graded)} student(s) in "
             "moodle_grades.csv and canvas_grades.csv; feedback zips under feedback/.", "",
             result.scale, "", f"Feedback level (kit.toml [feedback], now): {result.feedback_level}.", ""]
    for attr, text in SECTIONS:
        ids = getattr(result, attr)
        if ids:
            lines += [f"## {text}", "", *[f"- {sid}" for sid in ids], ""]
    return "\n".join(lines)
