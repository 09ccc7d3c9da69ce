"""Collect's reports: ``collect/reports/<time>-<input>.md`` for every collect (what it placed, and everything
it did not place with what to do), kept; ``collect/report.md``: the class as it stands, every input together.
"""
from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from nndebug import deadline

if TYPE_CHECKING:  # the collector writes this report: only its types are needed here
    from nndebug.collect.collector import Result
    from nndebug.collect.roster import Roster

INPUTS = "inputs.json"      # under collect/: what each input left to do, by input (the latest collect of it)
OPEN = ("unmatched", "unknown_task", "not_notebooks", "duplicates", "kept_newer", "skipped")

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
    ("Too big, nested too deep or named in no encoding collect reads", "skipped",
     "Unpack them by hand and collect the folder."),
    ("Removed from submitted/ by hand, put back by this collect", "restored", ""),
    ("submitted/ and collect/collected.json disagreed (the disk wins)", "disk", ""),
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


def run_report_path(folder: Path, source: str, now: datetime | None = None) -> Path:
    """``collect/reports/<UTC time>Z-<input name>.md``, a new file for every collect (names sort by time)."""
    now = now or datetime.now(UTC)
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(source).name)[:80] or "input"
    path = folder / f"{now:%Y%m%dT%H%M%S.%f}Z-{name}.md"
    while path.exists():        # the same microsecond: wait for the next one
        now = datetime.now(UTC)
        path = folder / f"{now:%Y%m%dT%H%M%S.%f}Z-{name}.md"
    return path


def class_table(root: Path, assignment: str, roster: Roster, notebooks: tuple[str, ...],
                due: datetime | None, zone: str) -> list[str]:
    """Every roster student as ``submitted/`` holds them now: notebooks with their times, how late."""
    state_path = root / "collect" / "collected.json"
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    lines = ["| student | notebooks (handed in) | missing | late |", "|---|---|---|---|"]
    for student in roster.students:
        sid = student.student_id
        folder = root / "submitted" / sid / assignment
        have = {p.stem for p in folder.glob("*.ipynb")}
        recorded = state.get(sid, {}).get("notebooks", {})
        times = {nb: datetime.strptime(recorded[nb]["time"], "%Y-%m-%d %H:%M:%S")
                 for nb in have if nb in recorded}
        shown = ", ".join(f"{nb} ({deadline.shown(times[nb], zone)})" if nb in times else nb
                          for nb in sorted(have)) or "nothing"
        missing = ", ".join(sorted(set(notebooks) - have))
        late = ""
        if due and times and max(times.values()) > due:
            late = deadline.how_late(max(times.values()), due)
        lines.append(f"| {sid} | {shown} | {missing} | {late} |")
    return lines


def write_all(result: Result, root: Path, assignment: str, roster: Roster, notebooks: tuple[str, ...],
              due: datetime | None, zone: str) -> Path:
    """This collect's report under ``collect/reports/``, and ``collect/report.md``: the class as it stands,
    this collect, and what earlier inputs left open."""
    folder = root / "collect"
    run = run_report_path(folder / "reports", result.source)
    result.report = run.relative_to(root).as_posix()
    write(result, run, assignment)
    inputs_path = folder / INPUTS
    inputs = json.loads(inputs_path.read_text()) if inputs_path.exists() else {}
    inputs[result.source] = {"kind": result.kind, "report": result.report,
                             **{attr: getattr(result, attr) for attr in OPEN if getattr(result, attr)}}
    inputs_path.write_text(json.dumps(inputs, indent=1, sort_keys=True, ensure_ascii=False))
    lines = [f"# Collect: {assignment}, the class as it stands", "",
             f"Due: {result.due or 'none set (kit.toml [collect] due)'}. Inputs collected: {len(inputs)}; "
             "every collect's own report is kept under collect/reports/.", "",
             *class_table(root, assignment, roster, notebooks, due, zone), ""]
    earlier = []
    for source, entry in sorted(inputs.items()):
        if source == result.source:
            continue
        for title, attr, action in ACTIONS:
            if entry.get(attr):
                earlier += ["", f"### `{source}`: {title} ({len(entry[attr])})", ""]
                earlier += [action, ""] if action else []
                earlier += [f"- {e}" for e in entry[attr]]
    if earlier:
        lines += ["## Still open from earlier inputs", *earlier, ""]
    this = render(result, assignment).replace(f"# Collect: {assignment}", "## This collect", 1)
    lines.append(this.replace("\n## ", "\n### "))
    out = folder / "report.md"
    out.write_text("\n".join(lines), encoding="utf-8")
    return out
