"""``autograded/report.md``: what could not be graded, or was graded with trouble, and why."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import nbformat

from nndebug.autograde.limits import Limits
from nndebug.autograde.routed import ROUTED
from nndebug.course import nbcells
from nndebug.verify.render import VERDICT_MIME

# Errors the grader itself puts in cells: the notebook was graded, but a TA should know.
CELL_TROUBLE = {
    "KernelDied": "the kernel died",
    "NotebookTimeout": "the notebook ran out of time",
    "CellTimeoutError": "a cell ran past the time limit",
    "MemoryError": "a cell ran out of memory",
}


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
        is_test = nbcells.is_test_cell(cell)
        for out in cell.get("outputs", []):
            name, value = out.get("ename", ""), str(out.get("evalue", ""))
            record = out.get("data", {}).get(VERDICT_MIME) if is_test else None
            sent = record.get(ROUTED) if isinstance(record, dict) else None
            if isinstance(sent, dict):
                why = sent.get("why", {}).get("en", "?")
                found.append(f"test `{nbcells.grade_id(cell)}` was sent to a person (0 until a TA scores it "
                             f"in formgrader; see autograded/routed.md): {why}")
            if out.get("output_type") == "error" and value.startswith("not run:"):
                not_run += 1
            elif out.get("output_type") == "error" and name not in CELL_TROUBLE and not is_test:
                where = f"cell `{nbcells.grade_id(cell)}`" if nbcells.grade_id(cell) else f"cell {index}"
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
