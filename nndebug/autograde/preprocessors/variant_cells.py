"""Restore the given cells of the student's own notebook (README: Per-student variants).

nbgrader restores locked cells from the gradebook, which holds the seed's notebook; with variants on this
preprocessor, first of the autograde preprocessors, puts the student's own given code cells in their place
(by grade id): their variant's, regenerated through the kit's per-student notebook code (task 3's setup
cell with their model's hash among them), so the kernel runs the notebook this student got. A no-op with
variants off.
"""
from __future__ import annotations

from typing import Any

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor

from nndebug.autograde.job import job_for
from nndebug.course.nbcells import grade_id, is_given


class VariantCells(NbGraderPreprocessor):
    """Given code cells from the student's own notebook."""

    def preprocess(self, nb: NotebookNode, resources: Any) -> tuple[NotebookNode, Any]:
        job = job_for(resources)
        if job is None or not job.variant:
            return nb, resources
        from nndebug.autograde import variant_job

        given = variant_job.given(job, (resources or {}).get("unique_key", ""))
        for cell in nb.cells:
            if cell.cell_type == "code" and is_given(cell) and grade_id(cell) in given:
                cell.source = given[grade_id(cell)]
        return nb, resources
