"""``autograded/report.md``: what could not be graded, or was graded with trouble, and why."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class _Outcome(Protocol):
    student: str
    status: str
    problems: list


def render(outcomes: Iterable[_Outcome]) -> str:
    """A Markdown report, one section per student with problems; a line for a clean run."""
    outcomes = list(outcomes)
    lines = ["# Autograde report", ""]
    counts = {s: sum(o.status == s for o in outcomes) for s in ("graded", "skipped", "failed")}
    lines.append(f"{len(outcomes)} submission(s): {counts['graded']} graded, {counts['skipped']} unchanged "
                 f"(kept), {counts['failed']} could not be graded.")
    troubled = [o for o in outcomes if o.problems]
    if not troubled:
        lines += ["", "Every submission was graded without problems."]
    for outcome in sorted(troubled, key=lambda o: o.student):
        lines += ["", f"## {outcome.student} ({outcome.status})"]
        for problem in outcome.problems:
            where = f"{problem.notebook}: " if problem.notebook else ""
            lines.append(f"- {where}{problem.message}")
    return "\n".join(lines) + "\n"
