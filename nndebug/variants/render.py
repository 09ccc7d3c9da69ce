"""A task's notebooks for one variant: the seed's source notebook with the variant's edits applied.

The seed's source (``notebooks/`` + shared cells) stays the one source: a variant changes the given cells it
names (exact text, found exactly once, or a ValueError naming the cell and the text) and puts its reference
fix and explanation between the solution markers. Variant 0 is the seed's notebook, unchanged. With a
student's decoy draw (:mod:`nndebug.variants.decoys`) it is that student's own notebook: what ``make publish``
gives them and grading restores.
"""
from __future__ import annotations

import nbformat

from nndebug.course import assemble
from nndebug.course.authoring import INLINE_INCLUDE
from nndebug.variants import decoys
from nndebug.variants.families import Variant

BEGIN, END = "### BEGIN SOLUTION\n", "\n### END SOLUTION"


def expand(code: str, task: int) -> str:
    """``code`` with its ``# %include NAME [shuffle=...]`` lines replaced by the kit-rendered cells."""
    lines = []
    for line in code.split("\n"):
        match = INLINE_INCLUDE.match(line)
        if match:
            shuffle = None if match.group(2) is None else match.group(2) == "True"
            lines.append(assemble.include(match.group(1), task, shuffle))
        else:
            lines.append(line)
    return "\n".join(lines)


def _cell(notebook: nbformat.NotebookNode, cell_id: str, variant: Variant) -> nbformat.NotebookNode:
    found = [c for c in notebook.cells if c.get("id") == cell_id]
    if len(found) != 1:
        raise ValueError(f"variant {variant.key}: the notebook has {len(found)} cells with id {cell_id!r}, "
                         "not one")
    return found[0]


def _between_markers(cell: nbformat.NotebookNode, text: str, variant: Variant) -> None:
    source = cell.source
    start, end = source.find(BEGIN), source.find(END)
    if start < 0 or end < start:
        raise ValueError(f"variant {variant.key}: cell {cell.get('id')!r} has no solution markers")
    cell.source = source[:start + len(BEGIN)] + text + source[end:]


def given_cells(variant: Variant, lang: str = "ru", draw: int | None = None) -> dict[str, str]:
    """{cell id: source} of the variant's given code cells (what grading restores), with the decoys of
    ``draw`` (None: none)."""
    return {cell.id: cell.source for cell in build(variant, lang, draw).cells
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("locked")
            and not cell.metadata["nbgrader"].get("grade")}


def apply(notebook: nbformat.NotebookNode, variant: Variant, lang: str = "ru") -> nbformat.NotebookNode:
    """``notebook`` (the task's seed source notebook, changed in place) as ``variant``'s."""
    if variant.is_seed:
        return notebook
    for edit in variant.edits:
        cell = _cell(notebook, edit.cell, variant)
        count = cell.source.count(edit.old)
        if count != 1:
            raise ValueError(f"variant {variant.key}: cell {edit.cell!r} holds {edit.old!r} {count} times, "
                             "not once: the seed's cell changed; update nndebug/variants/families.py")
        cell.source = cell.source.replace(edit.old, edit.new)
    if variant.fix:
        fix_cell = _cell(notebook, f"task{variant.task}_fix", variant)
        _between_markers(fix_cell, expand(variant.fix, variant.task), variant)
    text = variant.explanation_en if lang == "en" else variant.explanation_ru
    if text:
        _between_markers(_cell(notebook, f"task{variant.task}_explanation", variant), text, variant)
    return notebook


def build(variant: Variant, lang: str = "ru", draw: int | None = None) -> nbformat.NotebookNode:
    """The nbgrader source notebook of ``variant``'s task, as that variant; with a student's decoy ``draw``
    (:func:`decoys.student_draw`), as that student's."""
    notebook = apply(assemble.build(variant.task, lang), variant, lang)
    return notebook if draw is None else decoys.apply(notebook, variant.task, draw)
