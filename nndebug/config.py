"""Paths of the pipeline and the settings in ``kit.toml``: one source for both."""
from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from nndebug import settings as settings_schema

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_FILE = Path(os.environ.get("NN_DEBUG_KIT") or ROOT / "kit.toml")  # NN_DEBUG_KIT: another kit.toml

NOTEBOOKS_DIR = ROOT / "notebooks"          # authoring sources
SHARED_CELLS_DIR = NOTEBOOKS_DIR / "shared"  # cells shared by every notebook
RUBRIC_FILE = NOTEBOOKS_DIR / "rubric.toml"

DATA_DIR = ROOT / "data"                     # everything the kit builds
RAW_DIR = DATA_DIR / "raw"                   # torchvision's download, when there is network
MNIST_DATA = DATA_DIR / "mnist_data"         # the seed's layout: train.csv, val.csv, train/, val/
MNIST_ZIP = DATA_DIR / "mnist_data.zip"
SUBSET_DATA = DATA_DIR / "grading" / "mnist_data"
MODEL_FILE = DATA_DIR / "pretrained_model.pt"

SOURCE_DIR = ROOT / "source"
RELEASE_DIR = ROOT / "release"
SUBMITTED_DIR = ROOT / "submitted"
AUTOGRADED_DIR = ROOT / "autograded"
DOCS_DIR = ROOT / "docs"


@cache
def kit() -> settings_schema.Kit:
    """Every setting of ``kit.toml``, typed and validated (SettingsError names the file, line and key)."""
    return settings_schema.parse(SETTINGS_FILE)


@cache
def settings() -> dict[str, Any]:
    """The validated ``kit.toml`` as its tables (prefer :func:`kit` in new code)."""
    return settings_schema.as_dict(kit())


def assignment() -> str:
    """The nbgrader assignment name."""
    return kit().course.assignment


def task(number: int) -> dict[str, Any]:
    """One task's settings as a table: notebook name, epochs, points, shuffle."""
    return settings()["tasks"][str(number)]


TASKS: tuple[int, ...] = kit().task_numbers  # from kit.toml's [tasks.N]


def grading_per_class(number: int) -> dict[str, int]:
    """Digits a class of task ``number``'s grading data: kit.toml [tasks.N] grading_*_per_class, else
    [subset]."""
    chosen, subset = kit().tasks[number], kit().subset
    return {"train": chosen.grading_train_per_class or subset.train_per_class,
            "val": chosen.grading_val_per_class or subset.val_per_class}


def task_grading_data() -> dict[int, Path]:
    """{task: its own grading data folder} for the tasks kit.toml sizes one for (grading_*_per_class)."""
    return {number: SUBSET_DATA.parent / chosen.notebook / SUBSET_DATA.name
            for number, chosen in kit().tasks.items()
            if chosen.grading_train_per_class is not None or chosen.grading_val_per_class is not None}


def grading_data(notebook: str) -> Path:
    """The data the autograder stages as ``mnist_data`` beside ``notebook``: the task's own, else the
    grading subset."""
    own = {kit().tasks[number].notebook: folder for number, folder in task_grading_data().items()}
    return own.get(notebook, SUBSET_DATA)


def verify_data(data_dir: Path) -> Path:
    """The held-back digits the verifier measures on, beside a notebook's grading data and never staged:
    ``<data_dir>/../verify/`` (``val.csv`` and ``val/``)."""
    return data_dir.parent / "verify"


MODEL_TASKS: tuple[int, ...] = (3,)  # the tasks whose notebooks load pretrained_model.pt (setup, staging)


def mnist_dir() -> Path | None:
    """``MNIST_DIR`` from the environment (IDX files), or None."""
    value = os.environ.get("MNIST_DIR")
    return Path(value).resolve() if value else None
