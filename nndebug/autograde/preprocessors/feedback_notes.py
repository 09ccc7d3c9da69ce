"""Notes nbgrader's feedback page lacks, added after ``GetGrades``: why points were taken off for lateness,
and no "Score: 0 / 0" on a written answer (its score is the rubric test's, shown under the answer)."""
from __future__ import annotations

from typing import Any

from nbformat import NotebookNode
from nbformat.v4 import new_markdown_cell
from nbgrader.preprocessors import NbGraderPreprocessor

from nndebug import config, deadline
from nndebug.course import nbcells


def late_note(late: dict, policy_en: str, policy_ru: str, zone: str, penalty: float, score: float,
              lang: str = "ru") -> str:
    """Markdown: how late, against which due date, the policy, and what it cost in this notebook."""
    due = deadline.shown(late["due"], zone)
    when = deadline.shown(late["timestamp"], zone)
    ext = f" (with your extension of {late['extension_h']:g} h)" if late["extension_h"] else ""
    ext_ru = f" (с продлением на {late['extension_h']:g} ч)" if late["extension_h"] else ""
    taken = f"{penalty:g}"
    how = deadline.how_late(late["timestamp"], late["due"])
    english = (f"- Handed in {when}, due {due}{ext}: {how} late. The course's rule: {policy_en}. Taken off "
               f"in this notebook: {taken} (score {score + penalty:g} -> {score:g}).")
    if lang == "en":
        return "\n".join(["**Late submission**", english])
    return "\n".join([
        "**Опоздание / Late submission**",
        f"- Сдано {when}, срок {due}{ext_ru}: опоздание {deadline.how_late(late['timestamp'], late['due'])}. "
        f"Правило курса: {policy_ru}. Снято в этой тетрадке: {taken} (оценка {score + penalty:g} -> "
        f"{score:g}).",
        english,
    ])


class FeedbackNotes(NbGraderPreprocessor):
    """The late-penalty note at the top of a feedback page; written answers without a score of their own."""

    def preprocess(self, nb: NotebookNode, resources: Any):
        from nndebug.autograde.late import Policy, lateness

        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.cell_type == "markdown" and nbcells.is_answer(cell) and not meta.get("points"):
                meta["grade"] = False       # worth 0: its score sits in the rubric test cell below
        info = resources.get("nbgrader", {})
        penalty = float(info.get("late_penalty") or 0)
        if penalty > 0:
            late = lateness(info["db_url"], info["assignment"], info["student"])
            if late:
                policy = Policy.from_settings()
                note = late_note(late, policy.describe(), policy.describe_ru(), config.kit().collect.timezone,
                                 penalty, float(info.get("score") or 0),
                                 resources.get("nndebug_language", "ru"))
                nb.cells.insert(0, new_markdown_cell(note))
        return nb, resources

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int):
        return cell, resources
