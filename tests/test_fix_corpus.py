"""The independent fix corpus graded by the verifier (in-process, as the autograder records and verifies a
notebook): every fix labelled right scores full, every fix labelled wrong 0. README "What counts as a right
fix" gives the agreement before and after the verifier was tuned on it. Slow: one training run a fix
(``NN_DEBUG_CORPUS_EVIDENCE=<folder>`` keeps and reuses their evidence)."""
from __future__ import annotations

import os
from pathlib import Path

import independent_fixes
import pytest

pytestmark = pytest.mark.slow
FIXES = independent_fixes.load()
# `make test` grades a sample (two right and two wrong fixes of each task, in file order); `make test-corpus`
# (NN_DEBUG_CORPUS_FULL=1, the GitHub workflow's corpus job) grades all of them.
FULL = os.environ.get("NN_DEBUG_CORPUS_FULL") == "1"
SAMPLE = [f for task in (1, 2, 3) for right in (True, False)
          for f in [g for g in FIXES if g.task == task and g.right == right][:2]]
GRADED = FIXES if FULL else SAMPLE
RELABELLED: dict[str, str] = {}  # id -> why the corpus's label is wrong (none so far)


def test_the_corpus_has_enough_fixes_of_each_kind() -> None:
    assert sum(f.right for f in FIXES) >= 20 and sum(not f.right for f in FIXES) >= 10
    assert {f.task for f in FIXES} == {1, 2, 3}
    assert len({f.id for f in FIXES}) == len(FIXES)


@pytest.fixture(scope="module")
def keep(tmp_path_factory) -> Path:
    chosen = os.environ.get("NN_DEBUG_CORPUS_EVIDENCE")
    return Path(chosen) if chosen else tmp_path_factory.mktemp("corpus")


@pytest.mark.parametrize("fix", GRADED, ids=lambda f: f.id)
def test_corpus_fix_scores_as_labelled(fix: independent_fixes.CorpusFix, keep: Path) -> None:
    verdict = independent_fixes.graded(fix, keep)
    right = fix.right if fix.id not in RELABELLED else not fix.right
    # A right fix scores full, or goes to a person when it cannot be replayed from data (never 0 unrouted);
    # a wrong one scores 0, routed or not (never full).
    ok = (verdict.fraction == 1.0 or verdict.routed is not None) if right else verdict.fraction == 0.0
    assert ok, (fix.id, fix.why, verdict.fraction, verdict.reason and verdict.reason.en,
                [m.en for m in verdict.measured])
    print(fix.id, "routed" if verdict.routed else verdict.fraction)
