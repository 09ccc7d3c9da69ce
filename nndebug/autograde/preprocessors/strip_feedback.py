"""Feedback without the hidden tests: what a student may see of an autograded notebook.

Test cells keep their grade but not their code; nbgrader restores hidden tests into the autograded
notebook, and its feedback would show them (nbgrader #1363, #917). A verified test cell shows the
verifier's verdict (what was measured, why, where to look next, the training plot): the Verify
preprocessor wrote every output of those cells, so none comes from the student's kernel. A visible test
keeps its stdout and ``ename: evalue``. Outputs of every other cell are dropped: a student's cell could have
printed anything, and tracebacks quote the code they pass through. After each written answer, a note gives
its score and (kit.toml [feedback] level "all") the rubric points it named and missed.
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell, new_output
from nbgrader.preprocessors import NbGraderPreprocessor

from nndebug import nbcells
from nndebug.autograde.feedback_language import english_release, given_texts, submission_language
from nndebug.autograde.feedback_policy import level_in_effect
from nndebug.autograde.preprocessors.verify import VERDICT_MIME, verdict_html
from nndebug.nbcells import find_cell
from nndebug.verify.verdict import Line, Verdict

HIDDEN_SOURCE = "# Test cell {grade_id}: its code is not part of the feedback."
HIDDEN_DELIMITER = "BEGIN HIDDEN TESTS"  # nbgrader's ClearHiddenTests default


def test_messages(outputs: list, hidden: bool) -> list[NotebookNode]:
    """What a test cell tells the student: the verifier's verdict and plot when it has one; else for a
    visible test its stdout and ``ename: evalue``, for one with hidden parts only the error's name."""
    verdicts = [out for out in outputs if out.get("output_type") == "display_data"
                and (VERDICT_MIME in out.get("data", {}) or "image/png" in out.get("data", {}))]
    if verdicts and hidden:
        return [new_output("display_data", data={k: v for k, v in out["data"].items() if k != VERDICT_MIME})
                for out in verdicts]
    kept = []
    for out in outputs:
        if out.get("output_type") == "stream" and out.get("name") == "stdout" and not hidden:
            kept.append(new_output("stream", name="stdout", text=out.get("text", "")))
        elif out.get("output_type") == "error":
            name = out.get("ename", "Error")
            line = name if hidden else f"{name}: {out.get('evalue', '')}".rstrip(": ")
            kept.append(new_output("stream", name="stdout", text=f"Failed: {line}\n"))
    return kept


def verdict_of(cells: list[NotebookNode], grade_id: str) -> dict | None:
    """The verifier's record in the outputs of the test cell ``grade_id``."""
    cell = find_cell(cells, grade_id)
    for out in (cell or {}).get("outputs", []):
        if VERDICT_MIME in out.get("data", {}):
            return out["data"][VERDICT_MIME]
    return None


RUBRIC_POINT = ("named:", "missing:")             # the explanation verdict's lines naming rubric points
WRONG_CAUSE = "the answer names a wrong cause"
HELD_BACK = {"ru": "какие пункты рубрики ответ назвал и какие пропустил, отзыв покажет после срока сдачи",
             "en": "which rubric points the answer named and missed is shown after the due date"}


def redact(record: dict, level: str) -> dict:
    """An explanation verdict as kit.toml [feedback] lets it show: at "measured", no rubric point by name
    (neither named or missed points, nor the wrong cause: other tasks' answers)."""
    if level == "all":
        return record
    measured = [m for m in record.get("measured", []) if m and not m["en"].startswith(RUBRIC_POINT)]
    reason = record.get("reason")
    if reason and reason["en"].startswith(WRONG_CAUSE):
        reason = {"ru": "в ответе названа причина, которую рубрика считает неверной",
                  "en": "the answer names a cause the rubric counts as wrong"}
    return {**record, "reason": reason, "measured": [*measured, HELD_BACK]}


def english_display(record: dict) -> NotebookNode:
    """A verdict's display output in English only (a notebook of the English release)."""
    score, points = record["score"], record["points"]
    rows = [("Why", record.get("reason"))] if record.get("reason") else []
    rows += [("Measured", m) for m in record.get("measured", []) if m]
    rows += [("Look at", record["advice"])] if record.get("advice") else []
    color = "#1a7f37" if record["fraction"] >= 1 else "#b35900" if score > 0 else "#c62828"
    table = "".join(f"<tr><th>{label}</th><td>{html.escape(line['en'])}</td></tr>" for label, line in rows)
    text = [f"Check: {score:g} of {points:g}", *(f"{label}: {line['en']}" for label, line in rows)]
    return new_output("display_data", data={
        "text/plain": "\n".join(text),
        "text/html": f'<div class="nndebug-verdict"><p style="color:{color}"><b>Check: {score:g} of '
                     f'{points:g}</b></p><table>{table}</table></div>'})


def verdict_display(record: dict, lang: str = "ru") -> NotebookNode:
    """A verdict's display output rebuilt from its record (after :func:`redact`), in both languages or, for
    the English release, in English."""
    if lang == "en":
        return english_display(record)
    line = (lambda d: Line(d["ru"], d["en"]) if d else None)  # noqa: E731 - a one-line converter
    verdict = Verdict(record["fraction"], line(record.get("reason")),
                      tuple(line(m) for m in record.get("measured", [])), line(record.get("advice")))
    lines = [f"Проверка / Check: {record['score']:g} из / of {record['points']:g}"]
    if verdict.reason:
        lines.append(f"Причина / Why: {verdict.reason.text()}")
    lines += [f"- {m.text()}" for m in verdict.measured]
    if verdict.advice:
        lines.append(f"Что посмотреть / Look at: {verdict.advice.text()}")
    return new_output("display_data", data={"text/plain": "\n".join(lines),
                                            "text/html": verdict_html(verdict, record["score"],
                                                                      record["points"])})


def answer_note(record: dict, lang: str = "ru") -> str:
    """Markdown shown under a written answer: its score and the rubric points named and missed."""
    if lang == "en":
        lines = [f"**Score of this answer: {record['score']:g} of {record['points']:g}**"]
        said = [record.get("reason"), *record.get("measured", [])]
        lines += [f"- {html.escape(m['en'])}" for m in said if m]
        return "\n".join(lines)
    lines = [f"**Оценка ответа / Score of this answer: {record['score']:g} из / of {record['points']:g}**"]
    reason = record.get("reason")
    if reason:
        lines.append(f"- {html.escape(reason['ru'])} / {html.escape(reason['en'])}")
    lines += [f"- {html.escape(m['ru'])} / {html.escape(m['en'])}" for m in record.get("measured", [])]
    return "\n".join(lines)


class StripFeedback(NbGraderPreprocessor):
    """Replace test cells' code by a note and keep their verdicts; drop every other cell's outputs; put
    each written answer's score under it, at kit.toml [feedback]'s level."""

    _level = ""     # set per notebook by preprocess: kit.toml [feedback]'s level
    _lang = "ru"    # and the notebook's language ("en": handed in from the English release)

    def preprocess(self, nb: NotebookNode, resources: Any):
        self._level = level_in_effect()
        info = (resources or {}).get("nbgrader", {})
        self._lang = "ru"
        if info.get("student") and info.get("notebook"):
            root = Path.cwd()          # nbgrader runs in the course directory
            self._lang = submission_language(root, info["assignment"], info["student"], info["notebook"])
            if self._lang == "en":     # the given text as the student had it, not the restored Russian
                texts = given_texts(english_release(root, info["assignment"], info["notebook"]))
                for cell in nb.cells:
                    gid = nbcells.grade_id(cell)
                    if cell.cell_type == "markdown" and nbcells.is_given(cell) and gid in texts:
                        cell.source = texts[gid]
        if resources is not None:
            resources["nndebug_language"] = self._lang
        notes = {}
        for cell in nb.cells:
            grade_id = nbcells.grade_id(cell)
            if cell.cell_type == "markdown" and nbcells.is_answer(cell) and grade_id.endswith("_explanation"):
                record = verdict_of(nb.cells, f"{grade_id}_rubric")
                if record is not None:
                    notes[grade_id] = new_markdown_cell(answer_note(redact(record, self._level), self._lang))
        nb, resources = super().preprocess(nb, resources)
        cells: list[NotebookNode] = []
        for cell in nb.cells:
            cells.append(cell)
            grade_id = nbcells.grade_id(cell)
            if grade_id in notes and cell.cell_type == "markdown":
                cells.append(notes[grade_id])
        nb.cells = cells
        return nb, resources

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int):
        if cell.cell_type != "code":
            return cell, resources
        if nbcells.is_test_cell(cell):
            grade_id = nbcells.grade_id(cell)
            hidden = HIDDEN_DELIMITER in cell.source
            record = verdict_of([cell], grade_id)
            cell.source = HIDDEN_SOURCE.format(grade_id=grade_id)
            cell.outputs = test_messages(cell.get("outputs", []), hidden)
            level = self._level or level_in_effect()
            lang = self._lang
            if record is not None and grade_id.endswith("_explanation_rubric") and level != "all":
                cell.outputs = [verdict_display(redact(record, level), lang)]
            elif record is not None and lang == "en":
                images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
                cell.outputs = [verdict_display(record, lang), *images]
        else:
            cell.outputs = []
        return cell, resources
