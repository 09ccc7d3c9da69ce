"""Session fixtures shared by every test file: the data, the grading subset, the bug-seeded model and task 3's
variant models, built through the kit's own code into data/ (or reused when already built and valid)."""
from __future__ import annotations

from pathlib import Path

import pytest

from nndebug import config
from nndebug.mnist import build as data_build
from nndebug.mnist import subset
from nndebug.pretrained import build as model_build
from nndebug.variants import models as variant_build


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
