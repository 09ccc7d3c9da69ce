"""Per-student variants in the grading job (README: Per-student variants).

The driver looks a student's variants up once (:func:`resolve`) and puts them in the job
(``GradingJob.variant``, with their task-3 variant's model: :func:`personal`); everything after reads the
job: the report's copy and edited-cell checks, the nbgrader metadata a staged notebook is checked against,
and, in the nbgrader process, the given cells restored and the verifier's context. The student's own given
cells are regenerated through the kit's per-student notebook code (:mod:`nndebug.variants.personal`), so a
student who edited nothing is told nothing. With variants off (the default) every function here leaves the
job, the checks and the verifier as they are.
"""
from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

import nbformat
from nbgrader.utils import compute_checksum

from nndebug.autograde import given_cells
from nndebug.autograde.job import GradingJob
from nndebug.autograde.submission import OwnRelease
from nndebug.course import demo
from nndebug.variants import assign
from nndebug.variants import grading as variant_grading
from nndebug.variants import personal as own_notebook
from nndebug.variants.assign import Assignment


def enabled() -> bool:
    return assign.enabled()


def resolve(root: Path, student: str) -> str | None:
    """The student's variants (``task1v2 task2v0 task3v1``): the one lookup of a grading run, carried in
    the job from there on. None with variants off, and in ``make demo``'s course (its samples are the seed's
    notebooks, never a class's students)."""
    return None if demo.is_demo(root) else variant_grading.label_for(student)


def personal(job: GradingJob) -> GradingJob:
    """``job`` (its ``variant`` resolved) with its task-3 variant's model staged."""
    if not job.variant:
        return job
    inputs = dataclasses.replace(job.inputs, model=variant_grading.model_for(job.variant))
    return dataclasses.replace(job, inputs=inputs)


def assignment(job: GradingJob | None) -> Assignment | None:
    """The job's student with their variants; None without variants."""
    if job is None or not job.variant:
        return None
    return variant_grading.assignment(job.student, job.variant)


def context(job: GradingJob | None, notebook: str) -> dict[str, Any]:
    """The verifier's Context fields for the job's variant of ``notebook``'s task ({}: none)."""
    return variant_grading.context(job.variant if job is not None else None, notebook)


def problems(job: GradingJob) -> list[tuple[str, str]]:
    """[(notebook, message)]: staged notebooks carrying another variant or another student's owner token."""
    return variant_grading.check(job.student, job.variant, job.submission)


def given(job: GradingJob | None, notebook: str, lang: str = "ru") -> dict[str, str]:
    """{grade id: source} of the student's own given code cells of ``notebook`` ({}: no variants)."""
    chosen, task = assignment(job), variant_grading.task_of(notebook)
    return {} if chosen is None or task is None else own_notebook.given_cells(chosen, task, lang)


def edited(job: GradingJob, path: Path) -> list[str]:
    """Grade ids of the given cells of ``path`` edited against the student's own notebook ([]: none)."""
    chosen = assignment(job)
    return variant_grading.edited_given(chosen, path) if chosen is not None else []


def edited_message(job: GradingJob, path: Path) -> str:
    """What to tell about given cells of ``path`` edited against the student's own variant ("": none)."""
    try:
        cells = edited(job, path)
        fix = given_cells.fix_cell(nbformat.read(str(path), as_version=4))
    except Exception:  # noqa: BLE001 - unreadable notebooks are reported by the submission checks
        return ""
    return given_cells.message(cells, fix) if cells else ""


def released(job: GradingJob, notebook: str, release: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """The nbgrader metadata a student's own notebook may carry beside ``release``'s (the seed's): the
    release with the given cells of their variant's notebook and of their own, checksums recomputed."""
    chosen, task = assignment(job), variant_grading.task_of(notebook)
    if chosen is None or task is None:
        return []
    from nndebug.variants import render

    out = []
    for source in (render.build(chosen.of(task)), own_notebook.notebook(chosen, task)):
        theirs = {c.get("id"): c.source for c in source.cells}
        nb = copy.deepcopy(release)
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("locked") and not meta.get("grade") and cell.get("id") in theirs:
                cell.source = theirs[cell.get("id")]
                meta["checksum"] = compute_checksum(cell)
        out.append(nb)
    return out


def own_release(job: GradingJob) -> OwnRelease | None:
    """:func:`released` for the job's student, as staging takes it (None: no variants)."""
    return (lambda notebook, release: released(job, notebook, release)) if job.variant else None


def stamp(label: str | None) -> str:
    """What the student's grade depends on from variants ("" with variants off)."""
    return variant_grading.stamp(label)
