"""Per-student variants in the grading job (README: Per-student variants): the driver puts the student's
variants and their task-3 model in the job; the preprocessors read them back. With variants off (the
default) every function here leaves the job, the checks and the verifier as they are."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import nbformat

from nndebug.autograde import given_cells
from nndebug.autograde.job import GradingJob
from nndebug.variants import assign
from nndebug.variants import grading as variant_grading


def enabled() -> bool:
    return assign.enabled()


def personal(job: GradingJob) -> GradingJob:
    """``job`` with the student's variants (``job.variant``) and their task-3 variant's model staged."""
    label = variant_grading.label_for(job.student)
    if label is None:
        return job
    inputs = dataclasses.replace(job.inputs, model=variant_grading.model_for(label))
    return dataclasses.replace(job, variant=label, inputs=inputs)


def context(job: GradingJob | None, notebook: str) -> dict[str, Any]:
    """The verifier's Context fields for the job's variant of ``notebook``'s task ({}: none)."""
    return variant_grading.context(job.variant if job is not None else None, notebook)


def problems(student: str, staged: Path) -> list[tuple[str, str]]:
    """[(notebook, message)]: notebooks carrying another variant or another student's owner token."""
    return variant_grading.check(student, staged)


def edited_message(student: str, path: Path) -> str:
    """What to tell about given cells of ``path`` edited against the student's own variant ("": none)."""
    try:
        cells = variant_grading.edited_given(student, path)
        fix = given_cells.fix_cell(nbformat.read(str(path), as_version=4))
    except Exception:  # noqa: BLE001 - unreadable notebooks are reported by the submission checks
        return ""
    return given_cells.message(cells, fix) if cells else ""


def stamp(student: str) -> str:
    """What the student's grade depends on from variants ("" with variants off)."""
    return variant_grading.stamp(student)
