"""``autograded/review.md``: the answers the rubric is unsure about, for a TA to read and score."""
from __future__ import annotations

from collections import Counter

from nndebug import config
from nndebug.rubric.verdict import ExplanationVerdict, points

OVERRIDE = (
    "How to override: in formgrader open *Manual Grading*, the assignment, the notebook and the student's "
    "submission; the cell `taskN_explanation_rubric` shows the automatic score. Type your score into its "
    "points box: nbgrader keeps a manual grade over the automatic one, and regrading does not undo it. "
    "Then `nbgrader export` writes the new total into `grades.csv`."
)


def _kind(reason: str) -> str:
    return reason.split(" (")[0]


def _quote(text: str) -> str:
    lines = text.strip().splitlines() or [""]
    return "\n".join("> " + line.replace("<", "&lt;") for line in lines)


def render_review(rows: list[tuple[str, int, str, ExplanationVerdict]]) -> str:
    """Markdown for ``autograded/review.md`` from (student, task, answer text, verdict) rows: how many
    answers were routed to a TA and why (also when none), how to override, then each routed answer."""
    routed = [row for row in rows if row[3].review]
    out = ["# Explanations for a TA to read", ""]
    if routed:
        out.append(f"**{len(routed)} of {len(rows)} answers were routed to a TA**; every other answer was "
                   "scored with confidence by the rubric (`notebooks/rubric.toml`).")
        out += ["", "Why:"]
        counts = Counter(_kind(reason) for row in routed for reason in row[3].review)
        out += [f"- {kind}: {count}" for kind, count in counts.most_common()]
    else:
        out.append(f"**0 of {len(rows)} answers were routed to a TA**: the rubric was confident about every "
                   "answer (in none did its own signals disagree: no right and wrong claims mixed, no "
                   "concept both denied and named or only hedged, no guess beside a concept, nothing "
                   "half-recognised).")
    out += ["", OVERRIDE, ""]
    for student, task, text, verdict in sorted(routed, key=lambda row: (row[0], row[1])):
        notebook = config.notebook(task)
        points_max = config.kit().tasks[task].points_explanation
        out += [f"## {student}, task {task} (`{notebook}`, cell `task{task}_explanation_rubric`)", "",
                f"- automatic score: {points(task, verdict)} of {points_max} (fraction {verdict.fraction:g}, "
                f"confidence {verdict.confidence:g})",
                f"- why a TA should read it: {'; '.join(verdict.review)}",
                f"- named: {'; '.join(verdict.named) or 'nothing'}",
                f"- missing: {'; '.join(verdict.missing) or 'nothing'}"]
        if verdict.wrong:
            out.append(f"- wrong cause asserted: {verdict.wrong}")
        out += ["", _quote(text), ""]
    return "\n".join(out).rstrip() + "\n"
