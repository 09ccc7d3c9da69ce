"""Variants graded in fast mode (the variant's given cells and a fix in-process on the task's grading data,
the answer taken and replayed as the autograder does, then the verifier and the rubric): each variant
bites and its reference fix heals; a class of six with right fixes of their own variants scores full;
two students who swap notebooks score 0 on the fixes and lose the variant's rubric point; the seed's
answers in a non-seed variant score 0 on the fixes (README: Per-student variants). Every graded run
trains on one core (task 1 and 2: 10 epochs, about 2 minutes each; task 3: 5 epochs on a smaller set,
under a minute), so CI runs a cut- down matrix: task3v1 bites and heals; the seed's answer in every
variant where it fails before training (task1v2, task1v3: a DataLoader cannot shuffle their stream;
every task-3 variant: the seed's ``nn.init.uniform_`` stops at the zeroed integer counter); task 1's
swapped pair (v2/v3), which fails the same way; the class and the swap score every explanation against
the student's variant (task 3's copied fix is graded end to end in tests/test_course_week_variants.py; the
seed's variants are main's tests). NN_DEBUG_VARIANTS_FULL=1 runs every variant buggy and fixed, every
swapped fix and the seed's answers in every non-seed variant (27 minutes on 2 cores; `make fidelity`
with variants on writes that matrix to docs/fidelity_variants.md)."""
from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest
from fix_variants import SEED_ANSWERS

from nndebug import config
from nndebug.course import assemble
from nndebug.variants import families, fidelity, reference, rubric_point
from nndebug.verify.verdict import Verdict

pytestmark = pytest.mark.slow
ALL = [v for t in families.FAMILIES for v in families.family(t)]
FULL = os.environ.get("NN_DEBUG_VARIANTS_FULL") == "1"
NON_SEED = [v for v in ALL if not v.is_seed]
# The seed's answer fails these before any training (cheap): task 1's streams, task 3's integer counter.
SEED_FIX_CRASHES = ("task1v2", "task1v3", "task3v1", "task3v2", "task3v3")
BITE_HEAL = ALL if FULL else [families.variant(3, 1)]
SEED_FIX_CHECKED = [v for v in NON_SEED if FULL or v.key in SEED_FIX_CRASHES]
# Pairs whose reference fixes each leave the other's cause in place (README: what a swapped notebook scores).
SWAPS = ((1, 2, 3), (2, 1, 2), (2, 1, 3), (3, 1, 2), (3, 1, 3), (3, 2, 3))
SWAPS_CHECKED = SWAPS if FULL else ((1, 2, 3),)


@pytest.fixture(scope="module", autouse=True)
def inputs(grading_subset, pretrained_model, variant_models) -> None:
    """The grading data, task 3's seed model and its variant models (session fixtures in conftest.py)."""


@cache
def graded(key: str, fix: str, folder: str) -> Verdict:
    variant = next(v for v in ALL if v.key == key)
    return reference.verdict(variant, fix, Path(folder) / f"{key}-{abs(hash(fix))}")


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("variants-graded"))


def explanation(variant: families.Variant) -> str:
    return variant.explanation_ru or next(c.source for c in assemble.build(variant.task).cells
                                          if c.id == f"task{variant.task}_explanation")


@pytest.mark.parametrize("variant", BITE_HEAL, ids=lambda v: v.key)
def test_the_variant_bites(variant, work):
    """The given cells as they are (no fix): the verifier gives 0."""
    assert graded(variant.key, "", work).fraction == 0


@pytest.mark.parametrize("variant", BITE_HEAL, ids=lambda v: v.key)
def test_the_reference_fix_heals(variant, work):
    """Full; or, for a variant whose cause no answer as data reaches (task 2's decay in the loss or the
    trainer's step), sent to a person, never full automatically."""
    result = graded(variant.key, reference.reference_fix(variant), work)
    if variant.replayable:
        assert result.fraction == 1, result
    else:
        assert result.fraction == 0 and result.routed is not None, result


def test_a_class_of_six_with_right_fixes_scores_full(work):
    """Six students, each variant of each task handed out (index (i + task) % 4); every explanation is
    scored with the student's variant, and the fix of every variant whose reference fix ran."""
    from nndebug.verify import explanation as explain

    ran = {v.key for v in BITE_HEAL}
    class_ = {f"s{i}": {t: families.variant(t, (i + t) % 4) for t in config.TASKS} for i in range(6)}
    assert {v.key for chosen in class_.values() for v in chosen.values()} == {v.key for v in ALL}
    for student, chosen in class_.items():
        total = full = 0.0
        for task, variant in chosen.items():
            settings = config.kit().tasks[task]
            said = explain.verdict(task, explanation(variant), "", rubric_point.rule(variant))[0].fraction
            total += settings.points_explanation * said
            full += settings.points_explanation
            if variant.key in ran and variant.replayable:
                fixed = graded(variant.key, reference.reference_fix(variant), work)
                total += settings.points_fix * fixed.fraction
                full += settings.points_fix
        assert round(total, 4) == round(full, 4), student


def test_swapped_explanations_lose_the_cause_point():
    """Every two variants of a task: each explanation misses the other's cause and so loses that point."""
    from nndebug.verify import explanation as explain

    for task, first, second in SWAPS:
        mine, theirs = families.variant(task, first), families.variant(task, second)
        for own_variant, other in ((mine, theirs), (theirs, mine)):
            assert not rubric_point.names_cause(own_variant, explanation(other)), (own_variant.key, other.key)
            own = explain.verdict(task, explanation(own_variant), "", rubric_point.rule(own_variant))[0]
            swapped = explain.verdict(task, explanation(other), "", rubric_point.rule(own_variant))[0]
            assert swapped.fraction <= own.fraction - rubric_point.CAUSE_SHARE + 1e-3  # rounded to 4 places


@pytest.mark.parametrize("pair", SWAPS_CHECKED, ids=lambda p: f"task{p[0]}v{p[1]}-v{p[2]}")
def test_swapped_fixes_score_0(pair, work):
    """Each student graded as their own variant with the other's reference fix."""
    task, first, second = pair
    mine, theirs = families.variant(task, first), families.variant(task, second)
    for own_variant, other in ((mine, theirs), (theirs, mine)):
        result = graded(own_variant.key, reference.reference_fix(other), work)
        assert result.fraction == 0, (own_variant.key, other.key, result)


@pytest.mark.parametrize("variant", SEED_FIX_CHECKED, ids=lambda v: v.key)
def test_the_seed_answers_in_a_non_seed_variant_score_0_on_the_fix(variant, work):
    assert graded(variant.key, fidelity.seed_fix(variant.task), work).fraction == 0
    assert not rubric_point.names_cause(variant, SEED_ANSWERS[variant.task])
