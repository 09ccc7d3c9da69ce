"""The verifier's verdicts become the hidden test cells' outputs, so nbgrader records the verifier's score.

Runs in the ``nbgrader autograde`` process after the kernel is gone, before ``SaveAutoGrades``. Every output
the kernel left in a verified test cell is replaced: a display of the verdict (what was measured, why, where
to look next), then the score as the cell's result, or an error when the verdict is 0. Whatever the
student's code did to those cells in the kernel (a ``None`` or negative last value, swallowed errors,
replaced checks) is gone. A graded test cell the verifier does not know fails closed.
"""
from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from nndebug import config
from nndebug.autograde import given_cells, variant_job
from nndebug.autograde.job import GradingJob, job_for
from nndebug.autograde.stage import Inputs
from nndebug.course.nbcells import grade_id, is_answer, is_test_cell, points
from nndebug.verify.render import verdict_outputs
from nndebug.verify.verdict import Line, Verdict

SEALED_SUFFIX = ".sealed"
TEST_ID = re.compile(r"^task(\d+)_(fix|explanation)_\w+$")


def sealed_dir(folder: Path) -> Path:
    """The driver's copy of an evidence folder, beside it and never mounted in a kernel."""
    return folder.with_name(folder.name + SEALED_SUFFIX)


def seal(folder: Path) -> Path:
    """Copy the evidence files the dump just wrote (regular files only, under their size limits) to the
    sealed folder the Verify preprocessor reads; a file missing or refused is simply not copied."""
    from nndebug.kernel.record import RUN_FILE, WEIGHTS_FILE
    from nndebug.verify.evidence import MAX_RUN_BYTES, MAX_WEIGHTS_BYTES, BadEvidence, read_regular

    out = sealed_dir(folder)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for name, limit in ((RUN_FILE, MAX_RUN_BYTES), (WEIGHTS_FILE, MAX_WEIGHTS_BYTES)):
        try:
            (out / name).write_bytes(read_regular(folder / name, limit))
        except (BadEvidence, OSError):
            continue
    return out


def edited_given_cells(nb: NotebookNode, notebook: str, job: GradingJob | None) -> Line | None:
    """A line about the given cells of the student's own file (the job's staged copy) that differ from
    the cells grading ran (restored as released)."""
    path = job.submission / f"{notebook}.ipynb" if job is not None else None
    if path is None or not path.is_file():
        return None
    try:
        others = [nbformat.read(str(folder / f"{notebook}.ipynb"), as_version=4) for folder in job.releases()
                  if (folder / f"{notebook}.ipynb").is_file()]     # the English release's code, say
        cells = given_cells.edited(nbformat.read(str(path), as_version=4), nb, *others)
    except Exception:  # noqa: BLE001 - an unreadable file is reported by the driver
        return None
    if not cells:
        return None
    names = ", ".join(f"`{c}`" for c in cells)
    fix = given_cells.fix_cell(nb)
    return Line(f"вы изменили данную ячейку {names}: при проверке она восстановлена, и исправление в ней "
                f"не засчитано; исправление должно быть в ячейке `{fix}`",
                f"you edited the given cell {names}: grading restored it, so a fix there does not count; "
                f"a fix must go in the answer cell `{fix}`")


def released_stubs(job: GradingJob | None, notebook: str) -> dict[str, str]:
    """{grade_id: starting text} of the answer cells of the job's released notebooks, every language."""
    stubs: dict[str, str] = {}
    if job is None:
        return stubs
    for folder in job.releases():
        path = folder / f"{notebook}.ipynb"
        if not path.is_file():
            continue
        for cell in nbformat.read(str(path), as_version=4).cells:
            if is_answer(cell):
                stubs[grade_id(cell)] = stubs.get(grade_id(cell), "") + "\n" + cell.source
    return stubs


class Verify(NbGraderPreprocessor):
    """Replace the outputs of graded test cells by the verifier's verdicts."""

    graded_run_cell = Unicode("train_fixed", help="grade_id of the given cell that runs the graded "
                                                  "training").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: Any) -> tuple[NotebookNode, Any]:
        notebook = (resources or {}).get("unique_key", "")
        from nndebug.verify import (
            reference,
            verdicts,  # torch and the kit's model: only where a notebook is verified
        )
        from nndebug.verify.fixes import Context

        job = job_for(resources)
        inputs = job.inputs if job is not None else Inputs()
        data = inputs.data_for(notebook)
        task = next((n for n in config.TASKS if config.notebook(n) == notebook), None)
        try:
            level = reference.level(task, data, inputs.model) if task is not None else None
        except Exception:  # noqa: BLE001 - without the reference the absolute bars of kit.toml apply
            level = None
        context = Context(data, inputs.model, level, **variant_job.context(job, notebook))
        self._edits = edited_given_cells(nb, notebook, job)
        sealed = sealed_dir(job.evidence_for(notebook)) if job is not None else None
        self._judge = verdicts.Judge(notebook, sealed, nb, context, self.graded_run_cell,
                                     released_stubs(job, notebook),
                                     job.verdicts_for(notebook) if job is not None else None)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int):
        if not is_test_cell(cell):
            return cell, resources
        worth = points(cell)
        if worth <= 0:
            return cell, resources  # a visible self-check worth nothing: left as the kernel ran it
        match = TEST_ID.match(grade_id(cell))
        if match is None:
            verdict = Verdict(0.0, Line("у этой проверки нет верификатора", "this test has no verifier"))
        elif match.group(2) == "fix":
            verdict = self._judge.fix(int(match.group(1)))
            if self._edits:
                verdict = dataclasses.replace(verdict, measured=(self._edits, *verdict.measured))
            cell.outputs = verdict_outputs(verdict, worth, self._plot(int(match.group(1)), verdict))
            return cell, resources
        else:
            verdict = self._judge.explanation(int(match.group(1)))
        cell.outputs = verdict_outputs(verdict, worth)
        return cell, resources

    def _plot(self, task: int, verdict: Verdict) -> bytes | None:
        """The student's curves against the reference fix's (cached by the driver), when there are any."""
        from nndebug.verify import plot, reference

        if not plot.has_curves(verdict.curves):
            return None
        context = self._judge.context
        ref = reference.curves(task, context.data_dir, context.model_file, build=False) if context else {}
        title = f"task {task}: your graded run / ваш запуск при проверке"
        return plot.training_png(verdict.curves, ref, title)
