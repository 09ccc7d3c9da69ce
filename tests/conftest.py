"""Session fixtures shared by every test file: the data, the grading subset, the bug-seeded model and task 3's
variant models, built through the kit's own code into data/ (or reused when already built and valid)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from budget_plugin import (  # noqa: F401 - pytest's hooks: the suite's time budget per tier
    pytest_runtest_logreport,
    pytest_sessionfinish,
    pytest_sessionstart,
    pytest_terminal_summary,
)

from nndebug import config
from nndebug.mnist import build as data_build
from nndebug.mnist import subset
from nndebug.pretrained import build as model_build
from nndebug.variants import models as variant_build

# A test that asks for a trained model is slow, whatever its marks: `make test-fast` builds no model.
MODEL_FIXTURES = frozenset({"pretrained_model", "variant_models"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)

# As the Makefile: the shared copy of MNIST's test digits beside the repo, when there is one, so that a bare
# `pytest` builds the same data as `make test` and never rebuilds it from another source.
_SHARED_MNIST = config.ROOT.parent / "shared" / "data" / "mnist"
if "MNIST_DIR" not in os.environ and (_SHARED_MNIST / "t10k-labels-idx1-ubyte.gz").is_file():
    os.environ["MNIST_DIR"] = os.path.relpath(_SHARED_MNIST, config.ROOT)


@pytest.fixture(scope="session")
def mnist_data() -> Path:
    """``data/mnist_data`` (seed layout), built unless valid. No download: tests stay offline."""
    data_build.build(download=False, progress=False)
    return config.MNIST_DATA


@pytest.fixture(scope="session")
def grading_subset(mnist_data: Path) -> Path:
    """``data/grading/mnist_data`` (128 a class train, 50 a class val), and each task's own grading data."""
    subset.build_all(progress=False)
    return config.SUBSET_DATA


@pytest.fixture(scope="session")
def pretrained_model(mnist_data: Path) -> Path:
    """``data/pretrained_model.pt``: the bug-seeded model (training it takes a minute or two on CPU)."""
    model_build.build(progress=False)
    return config.MODEL_FILE


@pytest.fixture(scope="session")
def variant_models(mnist_data: Path) -> Path:
    """``data/pretrained/<task3vK>/``: task 3's model of every non-seed variant (``make model`` with variants
    on), built unless valid; any test that grades or publishes a task-3 variant needs it."""
    variant_build.build_all(progress=False)
    return variant_build.VARIANTS_DIR
