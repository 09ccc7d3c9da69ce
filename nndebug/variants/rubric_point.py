"""The explanation rubric with the student's variant: a point for naming this variant's specific cause.

With variants on, ``CAUSE_SHARE`` of a task's explanation points go to the variant's cause (its
``Cause.phrases``, in rubric.toml's phrase syntax and groups), the rest to the task's rubric as before: an
explanation of another variant's bug (a copied notebook, the seed's answers) loses that share. The
feedback names both points as the student's own: the variant's cause point by its tensors, line or place
(``Cause.shown_ru``/``shown_en``), and, for a non-seed variant, the task rubric's cause concept (which names
the seed's bug) in the task's words (``families.TASK_CAUSE``). With variants off nothing here runs.
"""
from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

from nndebug.rubric import spec
from nndebug.rubric import verdict as rubric_verdict
from nndebug.rubric.match import Sentence
from nndebug.rubric.words import is_placeholder, sentences, strip_code, words
from nndebug.variants.families import TASK_CAUSE, Variant

CAUSE_SHARE = 1 / 3
CAUSE_NAME = "the specific cause in this notebook's code or model (which line, value or tensors)"


def cause_names(variant: Variant) -> tuple[str, str]:
    """(Russian, English) name of the variant's cause point, as the student's feedback shows it."""
    cause = variant.cause
    if cause is None or not cause.shown_ru:
        return CAUSE_NAME, CAUSE_NAME
    return f"конкретная причина: {cause.shown_ru}", f"the specific cause: {cause.shown_en or cause.shown_ru}"


def renamed(variant: Variant, rubric: spec.Rubric | None = None) -> dict[str, tuple[str, str]]:
    """{rubric.toml name: (Russian, English) name shown}: the task's cause concept, which names the seed's
    bug, in the task's words for a non-seed variant; {} for the seed's."""
    if variant.is_seed:
        return {}
    task = (rubric or spec.load()).tasks[variant.task]
    seed_cause = next(c.name for c in task.concepts if not c.mechanism)
    return {seed_cause: TASK_CAUSE[variant.task]}


def english(variant: Variant) -> dict[str, str]:
    """{Russian name: English name} of the points :func:`combine` names that rubric.toml does not hold."""
    ru, en = cause_names(variant)
    return {ru: en, **dict(renamed(variant).values())}


def cause_point(variant: Variant, rubric: spec.Rubric) -> spec.Point:
    """The variant's cause as a rubric concept."""
    if variant.cause is None:
        raise ValueError(f"{variant.key} has no cause point in nndebug/variants/families.py")
    where = f"variant {variant.key} cause"
    phrases = tuple(spec._phrase(p, where, rubric.path, rubric.groups) for p in variant.cause.phrases)
    return spec.Point(cause_names(variant)[0], phrases, CAUSE_SHARE)


def names_cause(variant: Variant, text: str) -> bool:
    """Does ``text`` name the variant's specific cause (asserted, not denied)?"""
    if is_placeholder(text or ""):
        return False
    rubric = spec.load()
    prose, _ = strip_code(text)
    prose = prose + "\n" + (text or "")  # the cause is often written as code (`shuffle=False`)
    parsed = [Sentence.build(words(s), rubric) for s in sentences(prose)]
    found = rubric_verdict._find(cause_point(variant, rubric), parsed, rubric, wrong=False)
    return found.asserted


def combine(variant: Variant, found: rubric_verdict.ExplanationVerdict, text: str
            ) -> rubric_verdict.ExplanationVerdict:
    """The task rubric's verdict with the variant's cause point folded in (the verifier's ``CauseRule``
    with ``variant`` bound)."""
    named = names_cause(variant, text)
    shown = {name: ru for name, (ru, _) in renamed(variant).items()}
    found = dataclasses.replace(found, named=tuple(shown.get(n, n) for n in found.named),
                                missing=tuple(shown.get(n, n) for n in found.missing))
    if found.wrong and found.fraction == 0:
        return found
    fraction = round(found.fraction * (1 - CAUSE_SHARE) + (CAUSE_SHARE if named else 0.0), 4)
    point = cause_names(variant)[0]
    return dataclasses.replace(
        found, fraction=fraction,
        named=found.named + ((point,) if named else ()),
        missing=found.missing + (() if named else (point,)))


Found = rubric_verdict.ExplanationVerdict


def rule(variant: Variant) -> Callable[[Found, str], Found]:
    """The verifier's ``CauseRule`` for ``variant`` (nndebug.verify.fixes.Context.cause)."""
    return functools.partial(combine, variant)
