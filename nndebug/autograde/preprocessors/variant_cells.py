"""Restore the given cells of the student's own variant (README: Per-student variants).

nbgrader restores locked cells from the gradebook, which holds the seed's notebook; with variants on this
preprocessor, first of the autograde preprocessors, puts the given code cells of the student's variant (the
grading job's ``variant``) in their place (by grade id), so the kernel runs the bugs this student got. A
no-op with variants off.
"""
from __future__ import annotations

from typing import Any

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from nndebug.autograde.job import job_for
from nndebug.course.nbcells import grade_id, is_given


class VariantCells(NbGraderPreprocessor):
    """Given code cells from the student's variant."""

    def preprocess(self, nb: NotebookNode, resources: Any) -> tuple[NotebookNode, Any]:
        job = job_for(resources)
        if job is None or not job.variant:
            return nb, resources
        from nndebug.variants import decoys, grading, render

        variant = grading.variant_of(job.variant, (resources or {}).get("unique_key", ""))
        if variant is None:
            return nb, resources
        given = render.given_cells(variant, draw=decoys.student_draw(job.student))
        for cell in nb.cells:
            if cell.cell_type == "code" and is_given(cell) and grade_id(cell) in given:
                cell.source = given[grade_id(cell)]
        return nb, resources
