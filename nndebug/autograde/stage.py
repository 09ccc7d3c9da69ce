"""The driver side of staging: which grading data and model each notebook gets, built when missing.

The driver (:mod:`nndebug.autograde.grade`) hands them to the nbgrader process in the grading job
(:mod:`nndebug.autograde.job`); :mod:`nndebug.autograde.kernels` turns them into one kernel's mounts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from nndebug import config
from nndebug.course.staging import DATA_NAME, MODEL_NAME

__all__ = ["DATA_NAME", "MODEL_NAME", "Inputs", "ensure_inputs", "task_data"]


def task_data() -> dict[str, Path]:
    """{notebook: data} for the tasks that grade on their own subset."""
    return {config.notebook(number): folder for number, folder in config.task_grading_data().items()}


def fresh_notebooks() -> set[str]:
    """The task notebooks that train a fresh model and never load pretrained_model.pt (config.MODEL_TASKS)."""
    return {config.notebook(number) for number in config.TASKS if number not in config.MODEL_TASKS}


@dataclass(frozen=True)
class Inputs:
    """The grading data and the model the notebooks get: ``data`` unless ``by_notebook`` names one."""

    data: Path = config.SUBSET_DATA
    model: Path = config.MODEL_FILE
    by_notebook: dict[str, Path] = field(default_factory=task_data)

    def data_for(self, notebook: str | None) -> Path:
        """The data staged as ``mnist_data`` beside ``notebook``."""
        return self.by_notebook.get(notebook or "", self.data)

    def model_for(self, notebook: str | None) -> Path | None:
        """The model staged as ``pretrained_model.pt`` beside ``notebook``: only for a task whose notebook
        loads it (a good network lying beside a fresh-model task would be a donor of weights)."""
        return None if notebook in fresh_notebooks() else self.model


def ensure_inputs(inputs: Inputs) -> None:
    """Build the grading subsets and the model with the kit's own builders when they are missing."""
    from nndebug.mnist import build as data_build
    from nndebug.mnist import subset
    from nndebug.pretrained import build as model_build

    kit_built = {config.SUBSET_DATA, config.MODEL_FILE, *task_data().values()}
    needed = [inputs.data, *inputs.by_notebook.values(), inputs.model]
    for path in needed:
        if path.exists():
            continue
        if path not in kit_built:
            raise FileNotFoundError(f"{path}: the grading input is missing; build it or pass its path.")
        if not config.MNIST_DATA.exists():
            print("autograde: data/mnist_data is missing; building it (`make data`)", flush=True)
            data_build.build()
        print(f"autograde: {path} is missing; building it", flush=True)
        if path == config.MODEL_FILE:
            model_build.build()
        else:
            subset.build_all()
        if not path.exists():
            raise FileNotFoundError(f"building the grading inputs did not write {path}.")
    stale = [path for path in (inputs.data, *inputs.by_notebook.values())
             if path in kit_built and subset.verify_problems(config.verify_data(path))]
    if stale:
        # Held-back digits missing, or drawn by an older kit from the published val split: the data, the
        # subsets and the check digits are built again (each skipped where valid).
        print(f"autograde: {config.verify_data(stale[0])}: the held-back digits are missing or stale; "
              "building the data, the check digits and the grading subsets (`make data subset`)", flush=True)
        data_build.build()
        subset.build_all()
