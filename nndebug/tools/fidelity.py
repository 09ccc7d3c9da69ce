"""Run the seed's experiments with the notebooks' own cells on the full data: buggy against fixed.

Each run executes, in a fresh namespace and a scratch folder holding ``mnist_data`` (and
``pretrained_model.pt``), the source notebook's code cells up to the experiment cell, and for the fixed
run also the reference fix cell; then ``trainer.train(epochs)`` with a writer that records the
``val/metrics`` the trainer logs after every epoch.
"""
from __future__ import annotations

import contextlib
import io
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import torch

from nndebug import config
from nndebug.course import assemble, staging
from nndebug.course.solutions import reference_fix

SEED_TRAIN_IMAGES = 60_000  # MNIST's training set, which the seed's experiments ran on
STOP_BEFORE = "train"  # the first `trainer.train(...)` cell: the cells before it set up the experiment


@dataclass
class Run:
    """One experiment's val accuracy per epoch."""

    task: int
    variant: str  # "buggy" or "fixed"
    accuracy: list[float] = field(default_factory=list)
    seconds: float = 0.0


class Recorder:
    """Stands in for the trainer's SummaryWriter; keeps ``val/metrics`` values."""

    def __init__(self) -> None:
        self.values: list[float] = []

    def add_scalar(self, tag: str, value, global_step=None, **kwargs) -> None:
        if tag == "val/metrics":
            self.values.append(float(value))

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: None


def protocol() -> str:
    """``gpu`` (the seed's protocol) or ``cpu`` (the val set cut to kit.toml [fidelity].cpu_val_images)."""
    return "gpu" if torch.cuda.is_available() else "cpu"


def stage(folder: Path, val_images: int | None) -> Path:
    """A scratch notebook folder: ``mnist_data`` (val cut to ``val_images`` when given) and the model."""
    data = folder / "data"  # the full data's train split, val cut to size
    data.mkdir(parents=True)
    for name in ("train", "train.csv", "val"):
        (data / name).symlink_to(config.MNIST_DATA / name)
    table = pd.read_csv(config.MNIST_DATA / "val.csv", dtype={"image_name": str, "label": int})
    if val_images:
        per_class = val_images // table["label"].nunique()
        table = table.groupby("label", sort=False).head(per_class).sort_index()
    table.to_csv(data / "val.csv", index=False)
    return staging.stage(folder, data, config.MODEL_FILE if config.MODEL_FILE.exists() else None)


@contextlib.contextmanager
def inside(folder: Path) -> Iterator[None]:
    """Work in ``folder``; stderr (tqdm) swallowed."""
    here = Path.cwd()
    os.chdir(folder)
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        os.chdir(here)


def experiment(task: int, variant: str, folder: Path, epochs: int | None = None) -> Run:
    """Run one task's experiment, buggy or with the reference fix, in a staged folder.

    ``epochs``: the seed's (kit.toml [tasks.N].epochs) unless given.
    """
    notebook = assemble.build(task)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    ids = [cell.id for cell in code]
    setup = code[:ids.index(STOP_BEFORE)]
    namespace: dict = {"__name__": f"fidelity_task{task}"}
    run = Run(task, variant)
    started = time.perf_counter()
    with inside(folder):
        for cell in setup:
            exec(compile(cell.source, f"<{cell.id}>", "exec"), namespace)  # noqa: S102 - the kit's cells
        if variant == "fixed":
            exec(compile(reference_fix(task), f"<task{task}_fix>", "exec"), namespace)  # noqa: S102
        recorder = Recorder()
        namespace["trainer"].log_writer = recorder
        namespace["trainer"].train(epochs or config.kit().tasks[task].epochs)
    run.accuracy, run.seconds = recorder.values, time.perf_counter() - started
    return run
