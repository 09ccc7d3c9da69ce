"""Grading with variants: each student graded against their own variant, and copies flagged for a person.

The driver (:mod:`nndebug.autograde.grade`) looks a student's variants up once (:func:`label_for`, e.g.
``task1v2 task2v0 task3v1``) and puts them in their grading job (``GradingJob.variant``) with the model of
their task-3 variant (:func:`model_for`); everything after reads the label: the given cells and metadata
checked against the student's own notebook (:func:`assignment`, :func:`edited_given`, regenerated through
:mod:`.personal`), the ``VariantCells`` preprocessor that restores them (nbgrader restored the seed's), and
the Verify preprocessor that judges fix and explanation against the variant (:func:`context`).
:func:`check` tells which variant a submitted notebook carries (its given cells; its owner token, written
by ``make publish``) and says so when it is not the student's own: the notebook is still graded against
the owner's variant, and the problem is listed in ``autograded/report.md``. With variants off nothing here
runs.
"""
from __future__ import annotations

import hashlib
import hmac
import itertools
from pathlib import Path
from typing import Any

import nbformat

from nndebug import config
from nndebug.variants import assign, decoys, families, render
from nndebug.variants.families import Variant
from nndebug.variants.secret import owner_token

TOKEN_KEY = "nndebug"            # notebook metadata[TOKEN_KEY]["owner"]: the owner token of a published copy


def task_of(notebook: str) -> int | None:
    for number, task in config.kit().tasks.items():
        if task.notebook == notebook:
            return number
    return None


def label_for(student: str) -> str | None:
    """The grading job's ``variant``: the student's variants as ``task1v2 task2v0 task3v1``; None with
    variants off. The one lookup of a student's variants in a grading run."""
    return assign.assign(student).label if assign.enabled() else None


def assignment(student: str, label: str) -> assign.Assignment:
    """The student's variants as the job's ``label`` names them."""
    return assign.Assignment(student, parse_label(label))


def parse_label(label: str) -> dict[int, Variant]:
    """{task: variant} of a job's ``variant`` label (ValueError naming a malformed part)."""
    out = {}
    for part in label.split():
        task, sep, index = part.removeprefix("task").partition("v")
        if not (part.startswith("task") and sep and task.isdigit() and index.isdigit()):
            raise ValueError(f"grading job variant {label!r}: {part!r} is not task<N>v<K>")
        out[int(task)] = families.variant(int(task), int(index))
    return out


def model_for(label: str) -> Path:
    """The pretrained_model.pt of the label's task-3 variant (the kit's own for variant 0); FileNotFoundError
    naming the fix when it is missing or stale."""
    chosen = parse_label(label)
    if 3 not in chosen or chosen[3].is_seed:
        return config.MODEL_FILE
    from nndebug.variants import models

    unpublished = models.not_published(chosen[3])
    if unpublished:
        raise FileNotFoundError(f"task-3 model of {chosen[3].key}: {unpublished}")
    problems = models.stale(chosen[3])
    if problems:
        raise FileNotFoundError(f"task-3 model of {chosen[3].key}: {'; '.join(problems)}: run `make model` "
                                "(the same data and settings as the published one)")
    return models.model_file(chosen[3])


def variant_of(label: str | None, notebook: str) -> Variant | None:
    """The variant of ``notebook``'s task a job's ``label`` names (None: no variants, or another notebook)."""
    task = task_of(notebook)
    if not label or task is None:
        return None
    return parse_label(label).get(task)


def context(label: str | None, notebook: str) -> dict[str, Any]:
    """The verifier's Context fields for the student's variant of ``notebook``'s task: the tensors its model
    zeroes, the rubric point for its cause and whether the replay reaches its cause; {} with variants off."""
    variant = variant_of(label, notebook)
    if variant is None:
        return {}
    from nndebug.variants import rubric_point
    from nndebug.verify.verdict import Line

    zeroed = None if variant.is_seed or variant.task != 3 else variant.zeroed
    advice = Line(variant.hint_ru, variant.hint_en or variant.hint_ru) if variant.hint_ru else None
    return {"variant_zeroed": zeroed, "cause": rubric_point.rule(variant), "replayable": variant.replayable,
            "names_en": rubric_point.english(variant), "advice": advice}


def stamp(label: str | None) -> str:
    """What grading a student of ``label`` depends on from variants (their variants, the variants code): ""
    with variants off."""
    if not label:
        return ""
    code = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(Path(__file__).parent.glob("*.py"))))
    return f"|variants {label} {code.hexdigest()[:16]}"


def _given(nb: nbformat.NotebookNode) -> dict[str, str]:
    return {c.metadata["nbgrader"]["grade_id"]: " ".join(c.source.split()) for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("locked")
            and not c.metadata["nbgrader"].get("grade") and c.metadata["nbgrader"].get("grade_id")}


def draws(nb: nbformat.NotebookNode, key: bytes | None = None) -> list[int | None]:
    """The decoy draws ``nb``'s given cells may carry: none (the shared example's) and, with variants on,
    those of its owner token (a published notebook's decoys: :mod:`nndebug.variants.decoys`)."""
    token = token_of(nb)
    if not token or (key is None and not assign.enabled()):
        return [None]
    if key is None:
        from nndebug.variants import secret

        key = secret.load()
    return [None, decoys.draw_for(key, token)]


def carried(nb: nbformat.NotebookNode, task: int, key: bytes | None = None) -> list[Variant]:
    """The variants of ``task`` whose given cells ``nb`` holds where the family's variants differ (several
    when they differ only in the model file; none when the student edited them), with or without the
    decoys of its owner token."""
    family, theirs, found = families.family(task), _given(nb), set()
    for lang, draw in itertools.product(("ru", "en"), draws(nb, key)):  # English: the English rendering
        cells = {v.index: {k: " ".join(s.split()) for k, s in render.given_cells(v, lang, draw).items()}
                 for v in family}
        differing = {k for k in cells[0] if len({cells[v.index].get(k) for v in family}) > 1}
        found |= {v.index for v in family if all(theirs.get(k) == cells[v.index][k] for k in differing)}
    return [v for v in family if v.index in found]


def token_of(nb: nbformat.NotebookNode) -> str:
    meta = nb.metadata.get(TOKEN_KEY, {})
    return str(meta.get("owner", "")) if isinstance(meta, dict) else ""


def check(student: str, label: str | None, staged: Path, key: bytes | None = None) -> list[tuple[str, str]]:
    """[(notebook, message)] for notebooks of ``staged`` that carry another variant or another student's
    owner token than ``student``'s (of variants ``label``); graded against their own variant regardless."""
    if not label:
        return []
    if key is None:
        from nndebug.variants import secret

        key = secret.load()
    mine = assignment(student, label)
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
        found = carried(nb, task, key)
        theirs = token_of(nb)
        notes = []
        if found and own not in found:
            keys = " or ".join(v.key for v in found)
            notes.append(f"carries variant {keys}, not the student's own {own.key}")
        if theirs and not hmac.compare_digest(theirs, token):
            notes.append(f"carries another student's owner token {theirs}")
        if notes:
            out.append((path.stem, "COPY? " + "; ".join(notes) + f": graded against {own.key}; a person "
                        "should look at it (`python -m nndebug.variants whois TOKEN` names the token's "
                        "owner)"))
    return out


def edited_given(chosen: assign.Assignment, path: Path) -> list[str]:
    """Given cells of ``path`` whose code differs from the student's own (``chosen``'s notebook, regenerated
    through :mod:`.personal`) in every language, with the student's decoys or without."""
    from nndebug.variants import personal

    task = task_of(path.stem)
    if task is None:
        return []
    ours = [{k: " ".join(s.split()) for k, s in personal.given_cells(chosen, task, lang, decoyed).items()}
            for lang in ("ru", "en") for decoyed in (True, False)]
    theirs = _given(nbformat.read(str(path), as_version=4))
    return [k for k in ours[0] if k in theirs and all(theirs[k] != lang.get(k, ours[0][k]) for lang in ours)]
