"""Paths of the pipeline and the settings in ``kit.toml``: one source for both."""
from __future__ import annotations

import os
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_FILE = ROOT / "kit.toml"

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
FEEDBACK_DIR = ROOT / "feedback"
DOCS_DIR = ROOT / "docs"


@cache
def settings() -> dict[str, Any]:
    """The parsed ``kit.toml``."""
    with open(SETTINGS_FILE, "rb") as fh:
        return tomllib.load(fh)


def assignment() -> str:
    """The nbgrader assignment name."""
    return settings()["course"]["assignment"]


def task(number: int) -> dict[str, Any]:
    """One task's settings: notebook name, epochs, points, shuffle."""
    return settings()["tasks"][str(number)]


TASKS = (1, 2, 3)


GRADING_KEYS = {"train": "grading_train_per_class", "val": "grading_val_per_class"}


def grading_per_class(number: int) -> dict[str, int]:
    """Digits a class of task ``number``'s grading data: kit.toml [tasks.N] grading_*_per_class, else
    [subset]."""
    subset = settings()["subset"]
    return {split: int(task(number).get(key, subset[f"{split}_per_class"]))
            for split, key in GRADING_KEYS.items()}


def task_grading_data() -> dict[int, Path]:
    """{task: its own grading data folder} for the tasks kit.toml sizes one for (grading_*_per_class)."""
    return {number: SUBSET_DATA.parent / task(number)["notebook"] / SUBSET_DATA.name for number in TASKS
            if any(key in task(number) for key in GRADING_KEYS.values())}


def grading_data(notebook: str) -> Path:
    """The data the autograder stages as ``mnist_data`` beside ``notebook``: the task's own, else the
    grading subset."""
    own = {task(number)["notebook"]: folder for number, folder in task_grading_data().items()}
    return own.get(notebook, SUBSET_DATA)


def mnist_dir() -> Path | None:
    """``MNIST_DIR`` from the environment (IDX files), or None."""
    value = os.environ.get("MNIST_DIR")
    return Path(value).resolve() if value else None
