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
from nndebug.autograde import given_cells, routed, variant_job
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
    from nndebug.kernel.answer import ANSWER_JSON, ANSWER_PT
    from nndebug.verify.answer import MAX_JSON_BYTES, MAX_PT_BYTES
    from nndebug.verify.evidence import BadEvidence, read_regular

    out = sealed_dir(folder)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for name, limit in ((ANSWER_JSON, MAX_JSON_BYTES), (ANSWER_PT, MAX_PT_BYTES)):
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
        if job.variant:  # against the student's own notebook, every language
            cells = variant_job.edited(job, path)
        else:
            others = [nbformat.read(str(folder / f"{notebook}.ipynb"), as_version=4)
                      for folder in job.releases() if (folder / f"{notebook}.ipynb").is_file()]  # English
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

        job = job_for(resources)   # another student's job: nothing of it may be used (raises)
        self._judge, self._edits, self._broken = None, None, None
        try:
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
        except Exception as err:  # noqa: BLE001 - fail closed: its tests score 0, for a person
            self._broken = err
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int):
        if not is_test_cell(cell):
            return cell, resources
        worth = points(cell)
        if worth <= 0:
            return cell, resources  # a visible self-check worth nothing: left as the kernel ran it
        try:
            cell.outputs = self._outputs(grade_id(cell), worth)
        except Exception as err:  # noqa: BLE001 - fail closed: this test 0, for a person; the others are graded
            cell.outputs = routed.crash_outputs(err, worth)
        return cell, resources

    def _outputs(self, test: str, worth: float) -> list[NotebookNode]:
        """A verified test's outputs; a plot that raises sends the row to a person (:mod:`..routed`)."""
        from nndebug.verify.verdicts import crashed

        if self._judge is None:
            raise self._broken or RuntimeError("the verifier was not set up")
        match = TEST_ID.match(test)
        if match is None:
            return verdict_outputs(Verdict(0.0, Line("у этой проверки нет верификатора",
                                                     "this test has no verifier")), worth)
        task = int(match.group(1))
        if match.group(2) != "fix":
            verdict = self._judge.explanation(task)
            return routed.mark(verdict_outputs(verdict, worth), verdict)
        verdict = self._judge.fix(task)
        if self._edits:
            verdict = dataclasses.replace(verdict, measured=(self._edits, *verdict.measured))
        try:
            plot = self._plot(task, verdict)
        except Exception as err:  # noqa: BLE001 - fail closed with the verdict kept for the TA
            verdict, plot = verdict if verdict.routed else crashed("plot", err, verdict), None
        return routed.mark(verdict_outputs(verdict, worth, plot), verdict)

    def _plot(self, task: int, verdict: Verdict) -> bytes | None:
        """The student's curves against the reference fix's (cached by the driver), when there are any; a fix
        scored 0 on its cause without a replay (kit.toml [grading] ``replay_wrong_fixes``) gets the reference
        fix's curves alone, to show what a fixed training looks like."""
        from nndebug.verify import plot, reference

        mine = plot.has_curves(verdict.curves)
        if not mine and (verdict.routed or verdict.fraction > 0):
            return None
        context = self._judge.context
        try:
            ref = reference.curves(task, context.data_dir, context.model_file, build=False) if context else {}
        except Exception:  # noqa: BLE001 - the kit's cache: the plot loses its reference line, not the row
            ref = {}
        if mine:
            title = (f"task {task}: your fix, trained again by the kit / ваше исправление, обученное китом "
                     "заново")
        elif plot.has_curves(ref):
            title = f"task {task}: the reference fix (yours keeps the cause) / эталонное исправление"
        else:
            return None
        return plot.training_png(verdict.curves, ref, title)
