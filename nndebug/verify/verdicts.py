"""One notebook's verdicts: its fix from the evidence of the graded run, its explanation from the text."""
from __future__ import annotations

from pathlib import Path

from nbformat import NotebookNode

from nndebug.course.nbcells import find_cell
from nndebug.verify import evidence as evidence_io
from nndebug.verify import explanation, fixes
from nndebug.verify.evidence import BadEvidence, Evidence
from nndebug.verify.verdict import Line, Verdict, failed


def cell_by_id(nb: NotebookNode, grade_id: str) -> NotebookNode | None:
    """The cell whose nbgrader grade_id is ``grade_id``."""
    return find_cell(nb.cells, grade_id)


def cell_error(cell: NotebookNode | None) -> str:
    """``Name: message`` of the first error a code cell raised, '' when it ran clean."""
    for out in (cell or {}).get("outputs", []):
        if out.get("output_type") == "error":
            return f"{out.get('ename', 'Error')}: {str(out.get('evalue', ''))[:300]}".rstrip(": ")
    return ""


class Judge:
    """Verdicts for the test cells of one graded notebook."""

    def __init__(self, notebook: str, folder: Path | None, nb: NotebookNode, context: fixes.Context | None,
                 graded_run_cell: str = "train_fixed", stubs: dict[str, str] | None = None,
                 keep: Path | None = None) -> None:
        self.notebook, self.folder, self.nb, self.context = notebook, folder, nb, context
        self.graded_run_cell = graded_run_cell
        self.stubs = stubs or {}   # grade_id -> the released answer cell's starting text
        self.keep = keep           # where the explanation verdicts are kept for the driver
        self._evidence: Evidence | BadEvidence | None = None

    def evidence(self) -> Evidence:
        """The graded run's evidence, read once; BadEvidence when it is missing or malformed."""
        if self._evidence is None:
            try:
                if self.folder is None:
                    raise BadEvidence("no evidence folder was given to the verifier")
                self._evidence = evidence_io.load(self.folder)
            except BadEvidence as err:
                self._evidence = err
        if isinstance(self._evidence, BadEvidence):
            raise self._evidence
        return self._evidence

    def fix(self, task: int) -> Verdict:
        """The fix test's verdict: the graded run must have finished and pass the task's rule."""
        run_cell = cell_by_id(self.nb, self.graded_run_cell)
        if run_cell is None:
            return failed(Line(f"нет данной ячейки обучения `{self.graded_run_cell}`",
                               f"the given training cell `{self.graded_run_cell}` is missing"))
        crashed = cell_error(run_cell)
        if crashed:
            return failed(Line(f"обучение упало с ошибкой: {crashed}", f"the training crashed: {crashed}"),
                          advice=Line("запустите тетрадку сверху вниз и исправьте ошибку в ячейке task"
                                      f"{task}_fix", f"run the notebook top to bottom and fix the error in "
                                      f"cell task{task}_fix"))
        if self.context is None:
            return failed(Line("нет данных проверки", "the grading data is missing"))
        try:
            return fixes.RULES[task](self.evidence(), self.context)
        except BadEvidence as err:
            return failed(Line(f"запись обучения непригодна: {err}",
                               f"the record of the training is unusable: {err}"))
        except Exception as err:  # noqa: BLE001 - fail closed: one test scores 0, the notebook is graded
            return failed(Line(f"проверка не смогла оценить запись обучения ({type(err).__name__}: "
                               f"{str(err)[:200]})", "the verifier could not judge the record of the "
                               f"training ({type(err).__name__}: {str(err)[:200]})"))

    def explanation(self, task: int) -> Verdict:
        """The explanation test's verdict, from the answer cell's text in the submitted notebook; the
        answer and the rubric's verdict are kept for ``autograded/review.md``."""
        cell = cell_by_id(self.nb, f"task{task}_explanation")
        text = cell.source if cell is not None else ""
        try:
            result, found = explanation.verdict(task, text, self.stubs.get(f"task{task}_explanation", ""),
                                                self.context.cause if self.context else None)
        except Exception as err:  # noqa: BLE001 - fail closed for this test alone
            return failed(Line(f"ответ не удалось оценить ({type(err).__name__})",
                               f"the answer could not be scored ({type(err).__name__})"))
        if self.keep is not None:
            explanation.save(self.keep / f"task{task}_explanation.json", task, text, found)
        return result
