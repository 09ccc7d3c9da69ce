"""A student's own notebook: their variant's notebook with what is theirs alone (task 3: a setup cell that
downloads their variant's model and checks its SHA-256).

One code path for both ends: ``make publish`` writes each student's tree through :func:`own_code`, and
grading regenerates the student's given cells through it (:func:`notebook`, :func:`given_cells`) to check
and restore them, so whatever makes a student's notebook their own is graded as it was handed out.
"""
from __future__ import annotations

import functools
from pathlib import Path

import nbformat

from nndebug import config
from nndebug.course import colab
from nndebug.course.record import MODEL_NAME, sha256_of
from nndebug.variants import decoys, models, render
from nndebug.variants.assign import Assignment
from nndebug.variants.families import Variant


@functools.cache
def _sha256(path: Path, mtime_ns: int, size: int) -> str:
    return sha256_of(path)


def file_hash(path: Path) -> str:
    """SHA-256 of ``path`` (cached while the file is unchanged)."""
    stat = path.stat()
    return _sha256(path, stat.st_mtime_ns, stat.st_size)


def model_asset(variant: Variant) -> str:
    """The release asset name of a task-3 variant's model: its hash, never its bug."""
    if variant.is_seed:
        return MODEL_NAME
    return f"pretrained_model_{file_hash(models.model_file(variant))[:12]}.pt"


def setup_source(source: str, variant: Variant) -> str:
    """Task 3's setup cell of ``variant``: its own model's release asset and SHA-256 for the seed's."""
    if variant.task != 3 or variant.is_seed:
        return source
    own = colab.release_asset_url(model_asset(variant))
    source = source.replace(colab.release_asset_url(MODEL_NAME), own)
    if config.MODEL_FILE.is_file():
        seed, mine = file_hash(config.MODEL_FILE), file_hash(models.model_file(variant))
        source = source.replace(repr(seed), repr(mine))
    return source


def own_code(nb: nbformat.NotebookNode, chosen: Assignment, task: int, lang: str) -> nbformat.NotebookNode:
    """``nb`` (``chosen``'s variant of ``task``, in ``lang``, changed in place) with the code that is the
    student's own."""
    variant = chosen.of(task)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.get("id") == "setup":
            cell.source = setup_source(cell.source, variant)
    return nb


def notebook(chosen: Assignment, task: int, lang: str = "ru", decoyed: bool = True) -> nbformat.NotebookNode:
    """The source notebook of ``task`` as the student ``chosen`` got it (solutions in), with their decoys
    (:mod:`.decoys`; ``decoyed=False``: without)."""
    draw = decoys.student_draw(chosen.student) if decoyed else None
    return own_code(render.build(chosen.of(task), lang, draw), chosen, task, lang)


def is_given_code(cell: nbformat.NotebookNode) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("locked")) and not meta.get("grade") \
        and bool(meta.get("grade_id"))


def given_cells(chosen: Assignment, task: int, lang: str = "ru", decoyed: bool = True) -> dict[str, str]:
    """{grade id: source} of the student's given code cells (what grading checks and restores)."""
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in notebook(chosen, task, lang, decoyed).cells
            if is_given_code(c)}
