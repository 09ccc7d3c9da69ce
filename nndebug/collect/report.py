"""``collect/report.md``: what a collect placed, and everything it did not place with what to do."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the collector writes this report: only its type is needed here
    from nndebug.collect.collector import Result

# section title, the Result field, what to do
ACTIONS = [
    ("Files that match no roster entry", "unmatched",
     "Add the student to roster.csv (or set their `lms_id` to the id shown) and collect again."),
    ("Notebooks that hold no task of the assignment", "unknown_task",
     "Their cells carry no grade id of a release notebook (a fresh notebook, or cells pasted into one). "
     "Ask the student to redo the work in the released notebook, or grade it by hand."),
    ("Files that are not notebooks", "not_notebooks",
     "Not graded. Ask the student for the .ipynb (Colab: File > Download > Download .ipynb)."),
    ("Two different files for one task", "duplicates", ""),
    ("Older than what is already collected", "kept_newer", ""),
    ("Replaced by a newer submission (the older kept aside)", "replaced", ""),
    ("Too big or nested too deep to read", "skipped", "Unpack them by hand and collect the folder."),
    ("Ignored (files an OS or Jupyter leaves beside the work)", "ignored", ""),
]


def render(result: Result, assignment: str) -> str:
    """The report as Markdown."""
    counts: dict[str, int] = {}
    for statuses in result.placed.values():
        for status in statuses.values():
            counts[status] = counts.get(status, 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing"
    lines = [f"# Collect: {assignment}", "",
             f"Input: `{result.source}` (detected: {result.kind}). Notebooks: {summary}.",
             f"Due: {result.due or 'none set (kit.toml [collect] due)'}.", "",
             "## Collected", "", "| student | notebooks | late |", "|---|---|---|"]
    for sid in sorted(result.placed):
        notebooks = ", ".join(f"{nb} ({status})" for nb, status in sorted(result.placed[sid].items()))
        late = result.late.get(sid, "")
        if sid in result.lms_late:
            late = f"{late}; marked late by the LMS" if late else "marked late by the LMS"
        lines.append(f"| {sid} | {notebooks} | {late} |")
    if result.incomplete:
        lines += ["", "## Students with notebooks missing", "",
                  "These notebooks score 0 as missing unless the student hands them in:", ""]
        lines += [f"- {sid}: {', '.join(nbs)}" for sid, nbs in sorted(result.incomplete.items())]
    if result.missing:
        lines += ["", "## Roster students with no submission", ""]
        lines += [f"- {entry}" for entry in result.missing]
    for title, attr, action in ACTIONS:
        entries = getattr(result, attr)
        if not entries:
            continue
        lines += ["", f"## {title} ({len(entries)})", ""]
        if action:
            lines += [action, ""]
        lines += [f"- {entry}" for entry in entries]
    return "\n".join(lines) + "\n"


def write(result: Result, path: Path, assignment: str) -> Path:
    """Write the report to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(result, assignment), encoding="utf-8")
    return path
