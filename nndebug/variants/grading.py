"""Grading with variants: each student graded against their own variant, and copies flagged for a person.

The driver (:mod:`nndebug.autograde.grade`) puts the student's variants in the nbgrader process's
environment (:func:`env_for`); there the ``VariantCells`` preprocessor restores the given cells of the
student's variant (nbgrader restored the seed's), the task-3 model staged is the variant's, and the Verify
preprocessor judges fix and explanation against the variant (:func:`variant_from_env`). :func:`check`
tells which variant a submitted notebook carries (its given cells; its owner token, written by
``make publish``) and says so when it is not the student's own: the notebook is still graded against the
owner's variant, and the problem is listed in ``autograded/report.md``. With variants off nothing here runs.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path

import nbformat

from nndebug import config
from nndebug.autograde import protocol
from nndebug.variants import assign, families, render
from nndebug.variants.families import Variant

ENV = "NN_DEBUG_VARIANTS"        # JSON {"student": id, "tasks": {task: variant index}}
TOKEN_KEY = "nndebug"            # notebook metadata[TOKEN_KEY]["owner"]: the owner token of a published copy


def task_of(notebook: str) -> int | None:
    for number, task in config.kit().tasks.items():
        if task.notebook == notebook:
            return number
    return None


def owner_token(key: bytes, student: str) -> str:
    """An opaque token for ``student`` (HMAC of the course secret): their tree's folder and notebooks' tag."""
    return hmac.new(key, f"nn-debug owner|{student}".encode(), hashlib.sha256).hexdigest()[:20]


def env_for(student: str) -> dict[str, str]:
    """The nbgrader process's environment for ``student``: empty with variants off."""
    if not assign.enabled():
        return {}
    chosen = assign.assign(student)
    tasks = {str(t): v.index for t, v in chosen.variants.items()}
    env = {ENV: json.dumps({"student": student, "tasks": tasks})}
    if 3 in chosen.variants:
        from nndebug.variants import models

        problems = [] if chosen.of(3).is_seed else models.stale(chosen.of(3))
        if problems:
            raise FileNotFoundError(f"{student}'s task-3 model ({chosen.of(3).key}): {'; '.join(problems)}: "
                                    "run `make model` (the same data and settings as the published one)")
        env[protocol.STAGE_MODEL] = str(models.model_file(chosen.of(3)).resolve())
    return env


def stamp(student: str) -> str:
    """What grading ``student`` depends on from variants (their variants): "" with variants off."""
    return f"|variants {assign.assign(student).label}" if assign.enabled() else ""


def variant_from_env(notebook: str) -> Variant | None:
    """The student's variant of ``notebook``'s task (None with variants off or an unknown notebook)."""
    raw, task = os.environ.get(ENV), task_of(notebook)
    if not raw or task is None:
        return None
    return families.variant(task, int(json.loads(raw)["tasks"][str(task)]))


def _given(nb: nbformat.NotebookNode) -> dict[str, str]:
    return {c.metadata["nbgrader"]["grade_id"]: " ".join(c.source.split()) for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("locked")
            and not c.metadata["nbgrader"].get("grade") and c.metadata["nbgrader"].get("grade_id")}


def carried(nb: nbformat.NotebookNode, task: int) -> list[Variant]:
    """The variants of ``task`` whose given cells ``nb`` holds where the family's variants differ (several
    when they differ only in the model file; none when the student edited them)."""
    family = families.family(task)
    cells = {v.index: {k: " ".join(s.split()) for k, s in render.given_cells(v).items()} for v in family}
    differing = {k for k in cells[0] if len({cells[v.index].get(k) for v in family}) > 1}
    theirs = _given(nb)
    return [v for v in family if all(theirs.get(k) == cells[v.index][k] for k in differing)]


def token_of(nb: nbformat.NotebookNode) -> str:
    meta = nb.metadata.get(TOKEN_KEY, {})
    return str(meta.get("owner", "")) if isinstance(meta, dict) else ""


def check(student: str, staged: Path, key: bytes | None = None) -> list[tuple[str, str]]:
    """[(notebook, message)] for notebooks of ``staged`` that carry another variant or another student's
    owner token than ``student``'s; graded against ``student``'s own variant regardless."""
    if not assign.enabled():
        return []
    if key is None:
        from nndebug.variants import secret

        key = secret.load()
    mine = assign.assign(student, key)
    token = owner_token(key, student)
    out = []
    for path in sorted(staged.glob("*.ipynb")):
        task = task_of(path.stem)
        if task is None:
            continue
        try:
            nb = nbformat.read(str(path), as_version=4)
        except Exception:  # noqa: BLE001 - reported by the submission checks
            continue
        own = mine.of(task)
        found = carried(nb, task)
        theirs = token_of(nb)
        notes = []
        if found and own not in found:
            keys = " or ".join(v.key for v in found)
            notes.append(f"carries variant {keys}, not the student's own {own.key}")
        if theirs and not hmac.compare_digest(theirs, token):
            notes.append(f"carries another student's owner token {theirs}")
        if notes:
            out.append((path.stem, "COPY? " + "; ".join(notes) + f": graded against {own.key}; a person "
                        "should look at it (`python -m nndebug.variants TOKEN` names the token's owner)"))
    return out


def edited_given(student: str, path: Path, key: bytes | None = None) -> list[str]:
    """Given cells of ``path`` that differ from the student's own variant's."""
    task = task_of(path.stem)
    if task is None:
        return []
    own = assign.assign(student, key).of(task)
    ours = {k: " ".join(s.split()) for k, s in render.given_cells(own).items()}
    theirs = _given(nbformat.read(str(path), as_version=4))
    return [k for k, s in ours.items() if k in theirs and theirs[k] != s]


def edited_message(student: str, path: Path) -> str:
    """What to tell about given cells of ``path`` edited against the student's variant (empty: none)."""
    from nndebug.autograde import given_cells

    try:
        cells = edited_given(student, path)
        fix = given_cells.fix_cell(nbformat.read(str(path), as_version=4))
    except Exception:  # noqa: BLE001 - unreadable notebooks are reported elsewhere
        return ""
    return given_cells.message(cells, fix) if cells else ""
