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

from pathlib import Path
from typing import Any

from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell, new_output
from nbgrader.preprocessors import NbGraderPreprocessor

from nndebug.autograde.feedback_language import english_release, given_texts, submission_language
from nndebug.autograde.feedback_policy import level_in_effect
from nndebug.course import nbcells
from nndebug.course.language import english
from nndebug.verify.render import VERDICT_MIME, answer_note, redact, verdict_display, verdict_of

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
                    if nbcells.is_given(cell) and cell.cell_type == "code":
                        cell.source = english(cell.source)  # the student's own variant's code too
                    elif nbcells.is_given(cell) and gid in texts:
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
