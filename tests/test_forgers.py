"""Forging routes in-process (the graded run as the autograder records it, then the verifier): each leaves
the bugs of tasks 1 and 2 in what trains and scores 0. In-process the released model lies beside every
notebook (as it did at grading before it was staged for task 3 only), so donor weights are tried too.
The routes that need the sandbox or IPython are in ``test_autograde_forgers.py``."""
from __future__ import annotations

from pathlib import Path

import forgers
import pytest
from graded_run import verdict

from nndebug.kernel import record

pytestmark = pytest.mark.slow

ROUTES = {
    "recorder_changed_t1": (1, forgers.TASK1_BUG + forgers.RECORDER_CHANGED),
    "recorder_changed_t2": (2, forgers.TASK2_BUG + forgers.RECORDER_CHANGED),
    "on_val_digits_t1": (1, forgers.ON_VAL_DIGITS),
    "proxy_model_t2": (2, forgers.PROXY),
    "weights_swapped_t1": (1, forgers.SWAPPED.replace("lr=1e-1, weight_decay=9e-1", "lr=1e-2")),
    "weights_swapped_t2": (2, forgers.SWAPPED),
    "lying_optimizer_t2": (2, forgers.LYING_OPTIMIZER),
    "donor_weights_t1": (1, forgers.DONOR_WEIGHTS + forgers.TASK1_BUG.replace("Trainer(", "_DonorTrainer(")),
}


@pytest.fixture
def recorder():
    """The recorder as the kit ships it, put back after a forger replaced its functions."""
    saved = dict(vars(record))
    yield
    for name, value in saved.items():
        setattr(record, name, value)


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_forging_route_scores_zero(route: str, tmp_path: Path, recorder) -> None:
    task, code = ROUTES[route]
    result = verdict(task, code, tmp_path / "run")
    assert result.fraction == 0, (route, [m.en for m in result.measured])
    assert result.reason is not None
    print(route, "->", result.reason.en)
