"""Paths of the pipeline and the settings in ``kit.toml``: one source for both.

Settings are read one way, typed: :func:`kit`. The file is read on first use (``NN_DEBUG_KIT`` names
another kit.toml); :func:`use` swaps in another file or :class:`~nndebug.settings.Kit` for a block.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nndebug import settings as settings_schema

ROOT = Path(__file__).resolve().parent.parent
KIT_ENV = "NN_DEBUG_KIT"  # another kit.toml

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
DEMO_DIR = ROOT / "demo"                     # make demo's own course: its two samples, graded there
DOCS_DIR = ROOT / "docs"

_parsed: dict[Path, settings_schema.Kit] = {}
_chosen: list[Path | settings_schema.Kit] = []   # what use() swapped in, innermost last


def settings_file() -> Path:
    """The kit.toml in use: :func:`use`'s, else ``$NN_DEBUG_KIT``, else the repository's."""
    for chosen in reversed(_chosen):
        if isinstance(chosen, Path):
            return chosen
    return Path(os.environ.get(KIT_ENV) or ROOT / "kit.toml")


def kit() -> settings_schema.Kit:
    """Every setting of ``kit.toml``, typed and validated (SettingsError names the file, line and key);
    each file is parsed once."""
    if _chosen and isinstance(_chosen[-1], settings_schema.Kit):
        return _chosen[-1]
    path = settings_file()
    if path not in _parsed:
        _parsed[path] = settings_schema.parse(path)
    return _parsed[path]


@contextmanager
def use(source: Path | settings_schema.Kit) -> Iterator[settings_schema.Kit]:
    """Read the settings from ``source`` (another kit.toml, or settings made in code) inside the block."""
    _chosen.append(Path(source) if isinstance(source, str | Path) else source)
    try:
        yield kit()
    finally:
        _chosen.pop()


def __getattr__(name: str) -> object:
    """``TASKS`` (kit.toml's task numbers) and ``SETTINGS_FILE``, read when asked for."""
    if name == "TASKS":
        return kit().task_numbers
    if name == "SETTINGS_FILE":
        return settings_file()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def assignment() -> str:
    """The nbgrader assignment name."""
    return kit().course.assignment


def notebook(number: int) -> str:
    """Task ``number``'s notebook name (kit.toml [tasks.N] notebook), without .ipynb."""
    return kit().tasks[number].notebook


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
WATCHED_TASKS: tuple[int, ...] = (1, 2, 3)  # the tasks whose training is watched for its first epoch
ORDER_TASKS: tuple[int, ...] = (1,)  # the tasks whose answer is the order: their datasets are read
END_TASKS: tuple[int, ...] = MODEL_TASKS  # the tasks whose trained network is also kept where the watch stops


def mnist_dir() -> Path | None:
    """``MNIST_DIR`` from the environment (IDX files), or None."""
    value = os.environ.get("MNIST_DIR")
    return Path(value).resolve() if value else None
