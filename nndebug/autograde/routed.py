"""``autograded/routed.md``: the tests sent to a person, for a TA to score by hand.

A verified test is sent to a person, never scored in full automatically, when the screen flags a cell the
student wrote (:mod:`nndebug.verify.screen`), when verifying, plotting or rendering it raised (it fails
closed), or when the verifier cannot decide it from data. The Verify preprocessor marks such a test's verdict
record (:func:`mark`); it scores 0 until a TA types a manual score in formgrader. This module reads the marks
back from the autograded notebooks, writes the report and flags the rows in the gradebook as needing a
manual grade; ``make return`` names the rows no TA has scored yet.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbformat import NotebookNode
from nbformat.v4 import new_output

from nndebug.verify.render import VERDICT_MIME

ROUTED = "routed"          # the key of the verifier's record that marks a test sent to a person
MAX_LINES = 80             # lines of a flagged cell quoted in the report
TA_STEP = {"ru": "ассистент прочитает код и поставит оценку вручную",
           "en": "a TA reads the code and scores it by hand"}
HOW = (
    "How to score: in formgrader open *Manual Grading*, the assignment, the notebook and the student's "
    "submission; the test cell named below shows 0 and the verifier's verdict. Read the cells quoted here "
    "(the whole notebook is in `autograded/<student>/`). A plain fix of the bug that the screen only flagged "
    "for its form (an unusual import, a path it could not read) earns the points the automatic verdict "
    "names; a route around the verifier earns 0. Type the score into the test cell's points box: nbgrader "
    "keeps a manual grade over the automatic one, and regrading does not undo it. Then `nbgrader export` (or "
    "the next `make autograde`) writes it into `grades.csv`, and `make return` sends it."
)


def mark(outputs: list[NotebookNode], verdict: Any) -> list[NotebookNode]:
    """Mark the record in a verified test's ``outputs`` when ``verdict`` was sent to a person (its
    ``routed`` line; a :class:`~nndebug.verify.verdicts.Routed` also names cells and its automatic
    fraction)."""
    why = getattr(verdict, "routed", None)
    if why is None:
        return outputs
    for out in outputs:
        record = out.get("data", {}).get(VERDICT_MIME)
        if isinstance(record, dict):
            cells = [{"index": i, "label": label} for i, label in getattr(verdict, "cells", ())]
            record[ROUTED] = {"why": {"ru": why.ru, "en": why.en}, "cells": cells,
                              "automatic": getattr(verdict, "automatic", None)}
    return outputs


def crash_outputs(err: BaseException, points: float) -> list[NotebookNode]:
    """A verified test's outputs when producing its verdict raised: 0, sent to a person (built by hand,
    nothing that could raise again)."""
    what = f"{type(err).__name__}: {str(err)[:200]}".rstrip(": ")
    why = {"ru": f"проверка не завершилась ({what})", "en": f"the verifier failed ({what})"}
    reason = {"ru": f"отправлено на проверку человеку: {why['ru']}", "en": f"sent to a person: {why['en']}"}
    record = {"score": 0, "points": points, "fraction": 0.0, "reason": reason, "advice": TA_STEP,
              "measured": [], "curves": {}, ROUTED: {"why": why, "automatic": None, "cells": []}}
    text = (f"Проверка / Check: 0 из / of {points:g}\nПричина / Why: {reason['ru']} / {reason['en']}\n"
            f"Что посмотреть / Look at: {TA_STEP['ru']} / {TA_STEP['en']}")
    return [new_output("display_data", data={"text/plain": text, VERDICT_MIME: record}),
            new_output("error", ename="VerdictFailed", evalue=reason["en"], traceback=[reason["en"]])]


@dataclass
class Row:
    """One test sent to a person."""

    student: str
    notebook: str
    test: str
    points: float
    why: dict[str, str]
    automatic: float | None = None
    cells: dict[str, str] = field(default_factory=dict)     # label -> the cell's code
    manual: float | None = None                             # a TA's score, when the gradebook has one


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def notebook_rows(path: Path, student: str) -> list[Row]:
    """The routed tests of one autograded notebook (none when it cannot be read)."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return []
    found = []
    for cell in cells if isinstance(cells, list) else []:
        # Only the graded test cells hold the verifier's records; a record in any other cell's outputs is
        # something a student's code printed.
        meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell, dict) else {}
        if not (isinstance(meta, dict) and meta.get("grade") and not meta.get("solution")):
            continue
        for out in cell.get("outputs", []):
            record = out.get("data", {}).get(VERDICT_MIME) if isinstance(out, dict) else None
            sent = record.get(ROUTED) if isinstance(record, dict) else None
            if not isinstance(sent, dict) or not isinstance(sent.get("why", {}), dict) \
                    or not isinstance(sent.get("cells", []), list):
                continue
            test = str(meta.get("grade_id", "?"))
            try:
                quoted = {str(c.get("label")): _source(cells[c["index"]]) for c in sent.get("cells", [])
                          if isinstance(c, dict) and isinstance(c.get("index"), int)
                          and 0 <= c["index"] < len(cells)}
                found.append(Row(student, path.stem, test, float(record.get("points", 0)),
                                 sent.get("why", {}), sent.get("automatic"), quoted))
            except (TypeError, ValueError, AttributeError, KeyError):
                continue                       # not a record the verifier wrote
    return found


def rows(autograded: Path, assignment: str) -> list[Row]:
    """Every routed test under ``autograded/<student>/<assignment>/``, by student, notebook and test."""
    found = [row for path in sorted(autograded.glob(f"*/{assignment}/*.ipynb"))
             for row in notebook_rows(path, path.parents[1].name)]
    return sorted(found, key=lambda r: (r.student, r.notebook, r.test))


def manual_scores(db_url: str, assignment: str, found: list[Row], flag: bool = False) -> None:
    """Fill each row's ``manual`` from the gradebook; with ``flag``, mark the rows a TA has not scored as
    needing a manual grade (formgrader lists them). A gradebook that cannot be read leaves them as is."""
    from nbgrader.api import Gradebook, MissingEntry

    try:
        with Gradebook(db_url) as gb:
            for row in found:
                try:
                    grade = gb.find_grade(row.test, row.notebook, assignment, row.student)
                except MissingEntry:
                    continue
                row.manual = grade.manual_score
                if flag and grade.manual_score is None:
                    grade.needs_manual_grade = True
            gb.db.commit()
    except Exception:  # noqa: BLE001 - the report is written all the same
        return


def kind(row: Row) -> str:
    """Why, in a few words: the screen, a stage that failed, or the verifier."""
    if row.cells:
        return "the screen flagged a cell the student wrote"
    if re.search(r" failed \(", row.why.get("en", "")):
        return "verifying or rendering it failed (fail closed)"
    return "the verifier cannot decide it from data"


def _fenced(code: str) -> str:
    lines = code.splitlines()
    more = f"\n… ({len(lines) - MAX_LINES} more lines)" if len(lines) > MAX_LINES else ""
    fence = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", code)), default=0))
    return f"{fence}python\n" + "\n".join(lines[:MAX_LINES]) + f"{more}\n{fence}"


def render(found: list[Row]) -> str:
    """Markdown for ``autograded/routed.md``: how many tests were sent to a person and why (also when
    none), how to score them, then each row with its reasons and the cells to read."""
    out = ["# Tests sent to a person", ""]
    if found:
        waiting = sum(r.manual is None for r in found)
        out.append(f"**{len(found)} test(s) were sent to a person** ({waiting} not scored by a TA yet): each "
                   "scores 0 until a TA scores it; every other verified test was scored automatically.")
        out += ["", "Why:"]
        out += [f"- {why}: {count}" for why, count in Counter(kind(r) for r in found).most_common()]
    else:
        out.append("**0 tests were sent to a person**: the screen found nothing a plain fix never needs in "
                   "any cell a student wrote, and every verdict was computed and rendered.")
    out += ["", HOW, ""]
    for row in found:
        scored = f"a TA's score: {row.manual:g}" if row.manual is not None else "no TA's score yet"
        automatic = "none" if row.automatic is None else f"{row.automatic * row.points:g} of {row.points:g}"
        out += [f"## {row.student}, `{row.notebook}`, test `{row.test}`", "",
                f"- score: 0 of {row.points:g} until a TA scores it ({scored})",
                f"- why: {row.why.get('en', '?')}".replace("<", "&lt;"),
                f"- the automatic verdict, for reference: {automatic}",
                f"- what to do: read {', '.join(f'`{c}`' for c in row.cells) or 'the notebook'}, then type a "
                f"score for `{row.test}` in formgrader (above)", ""]
        for label, code in row.cells.items():
            out += [f"Cell `{label}`:", "", _fenced(code), ""]
    return "\n".join(out).rstrip() + "\n"


def write(root: Path, assignment: str, db_url: str) -> str:
    """Write ``autograded/routed.md`` (and flag its rows in the gradebook); the line report.md links it by."""
    found = rows(root / "autograded", assignment)
    manual_scores(db_url, assignment, found, flag=True)
    path = root / "autograded" / "routed.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(found), encoding="utf-8")
    waiting = sum(r.manual is None for r in found)
    said = (f"{len(found)}, {waiting} not scored by a TA yet: each scores 0 until a TA scores it in "
            "formgrader") if found else "none"
    return f"\nTests sent to a person: {path.relative_to(root)} ({said})\n"


def pending(root: Path, assignment: str) -> list[str]:
    """'<student>: <notebook> `<test>` (<why>)' of the routed tests no TA has scored (for ``make return``)."""
    found = rows(root / "autograded", assignment)
    if (root / "gradebook.db").is_file():
        manual_scores(f"sqlite:///{root / 'gradebook.db'}", assignment, found)
    return [f"{r.student}: {r.notebook} `{r.test}` ({kind(r)})" for r in found if r.manual is None]
