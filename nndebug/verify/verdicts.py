"""One notebook's verdicts: its fix from the student's answer and the kit's replay of it, its explanation from
the text."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nbformat import NotebookNode

from nndebug.course.nbcells import find_cell
from nndebug.verify import answer as answer_io
from nndebug.verify import explanation, fixes, screen
from nndebug.verify.answer import Answer
from nndebug.verify.evidence import BadEvidence
from nndebug.verify.verdict import Line, Verdict, failed, routed

TA = Line("ассистент прочитает код и поставит оценку вручную", "a TA reads the code and scores it by hand")
STAGES = {"verify": ("проверка", "the verifier"), "screen": ("проверка кода", "the code screen"),
          "plot": ("график для отзыва", "the feedback plot"), "feedback": ("отзыв", "the feedback")}


@dataclass(frozen=True)
class Routed(Verdict):
    """Sent to a person (``routed`` says why): also the student's cells to read, (index, label), and the
    fraction the automatic verdict had (None: there was none)."""

    cells: tuple[tuple[int, str], ...] = ()
    automatic: float | None = None


def send(why: Line, cells: tuple[tuple[int, str], ...] = (), automatic: Verdict | None = None) -> Routed:
    """Never full automatically: 0 with "sent to a person: <why>"; what the verifier measured stays."""
    return Routed(0.0, Line(f"отправлено на проверку человеку: {why.ru}", f"sent to a person: {why.en}"),
                  automatic.measured if automatic else (), TA, automatic.curves if automatic else {}, why,
                  cells=cells, automatic=automatic.fraction if automatic else None)


def crashed(stage: str, err: BaseException, automatic: Verdict | None = None) -> Routed:
    """Fail closed: a stage of verifying or rendering raised; the row is 0 and a person's."""
    ru, en = STAGES[stage]
    what = f"{type(err).__name__}: {str(err)[:200]}".rstrip(": ")
    return send(Line(f"{ru} не завершилась ({what})", f"{en} failed ({what})"), (), automatic)


def screened(nb: NotebookNode, graded_run_cell: str, automatic: Verdict) -> Verdict:
    """``automatic``, unless the screen flags a cell the student wrote: then sent to a person, with every
    reason (:mod:`nndebug.verify.screen`)."""
    try:
        flagged = screen.screen_notebook(nb, graded_run_cell)
    except Exception as err:  # noqa: BLE001 - fail closed: a screen that breaks sends the row to a person
        return crashed("screen", err, automatic)
    if not flagged:
        return automatic
    why = [Line(f"ячейка `{label}`: {line.ru}", f"cell `{label}`: {line.en}")
           for _, label, lines in flagged for line in lines]
    return send(Line("; ".join(w.ru for w in why), "; ".join(w.en for w in why)),
                tuple((index, label) for index, label, _ in flagged), automatic)


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
        self._evidence: Answer | BadEvidence | None = None

    def evidence(self) -> Answer:
        """The student's answer from the graded cell, read once; BadEvidence when it is missing or
        malformed."""
        if self._evidence is None:
            try:
                if self.folder is None:
                    raise BadEvidence("no evidence folder was given to the verifier")
                self._evidence = answer_io.load(self.folder)
            except BadEvidence as err:
                self._evidence = err
        if isinstance(self._evidence, BadEvidence):
            raise self._evidence
        return self._evidence

    def fix(self, task: int) -> Verdict:
        """The fix test's verdict: the graded run must have finished and pass the task's rule, and the
        screen find nothing in the student's cells (else the row is a person's)."""
        return screened(self.nb, self.graded_run_cell, self._fix(task))

    def _fix(self, task: int) -> Verdict:
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
            return failed(Line(f"ответ из обучения непригоден: {err}",
                               f"the answer taken from the training is unusable: {err}"))
        except Exception as err:  # noqa: BLE001 - fail closed: one test scores 0, the notebook is graded
            return routed(Line(f"проверка не смогла оценить исправление ({type(err).__name__}: "
                               f"{str(err)[:200]})", "the verifier could not judge the fix "
                               f"({type(err).__name__}: {str(err)[:200]})"))

    def explanation(self, task: int) -> Verdict:
        """The explanation test's verdict, from the answer cell's text in the submitted notebook; the
        answer and the rubric's verdict are kept for ``autograded/review.md``."""
        cell = cell_by_id(self.nb, f"task{task}_explanation")
        text = cell.source if cell is not None else ""
        try:
            result, found = explanation.verdict(task, text, self.stubs.get(f"task{task}_explanation", ""),
                                                self.context.cause if self.context else None,
                                                self.context.names_en if self.context else None)
        except Exception as err:  # noqa: BLE001 - fail closed for this test alone, for a person
            return crashed("verify", err)
        if self.keep is not None:
            explanation.save(self.keep / f"task{task}_explanation.json", task, text, found)
        return result
