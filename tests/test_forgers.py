"""Forging routes in-process (the graded cell's answer taken as the autograder takes it, in a child process as
in a kernel, then judged as the Verify preprocessor judges, the screen included): each leaves the bug of its
task in what trains and scores 0 (or is sent to a person, which scores 0 until a TA decides). In-process the
released model lies beside every notebook, so donor weights are tried too. The routes that need the sandbox
or IPython are in ``test_autograde_forgers.py``."""
from __future__ import annotations

from pathlib import Path

import forgers
import pytest
from redteam import describe, judged

pytestmark = pytest.mark.slow

ROUTES = {
    "capture_changed_t1": (1, forgers.TASK1_BUG + forgers.CAPTURE_CHANGED),
    "capture_changed_t2": (2, forgers.TASK2_BUG + forgers.CAPTURE_CHANGED),
    "on_val_digits_t1": (1, forgers.ON_VAL_DIGITS),
    "proxy_model_t2": (2, forgers.PROXY),
    "weights_swapped_t1": (1, forgers.SWAPPED.replace("lr=1e-1, weight_decay=9e-1", "lr=1e-2")),
    "weights_swapped_t2": (2, forgers.SWAPPED),
    "lying_optimizer_t2": (2, forgers.LYING_OPTIMIZER),
    "donor_weights_t1": (1, forgers.DONOR_WEIGHTS + forgers.TASK1_BUG.replace("Trainer(", "_DonorTrainer(")),
}


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_forging_route_scores_zero(route: str, tmp_path: Path, grading_subset, pretrained_model) -> None:
    task, code = ROUTES[route]
    result = judged(task, code, tmp_path)
    assert result.fraction == 0, (route, describe(result), [m.en for m in result.measured])
    assert result.reason is not None
    print(route, "->", describe(result))
