"""The kit's reference fix, answered and replayed as a student's fix is: its replay's curves are what feedback
plots a student's training against, and its accuracy on the held-back digits is what "the network learned" is
measured against. Kit code only; cached beside the grading data."""
from __future__ import annotations

import hashlib
import json
import os
import random
import tempfile
from pathlib import Path

import numpy as np
import torch

from nndebug import config
from nndebug.course import cells, staging
from nndebug.course.solutions import given_cell, reference_fix
from nndebug.kernel import answer as answer_capture
from nndebug.verify import answer as answer_io
from nndebug.verify import fixes
from nndebug.verify.quiet import silenced

CACHE = "reference_curves.json"


def graded_run(task: int, fix: str, folder: Path, data_dir: Path, model_file: Path) -> Path:
    """Run the given cells (the ``experiment`` cell included) and ``fix`` in ``folder`` (staged), then take
    the answer from ``trainer.train(epochs)`` as the autograder does in place of the cell ``train_fixed``;
    return the folder the answer was written to."""
    here = Path.cwd()
    os.chdir(staging.stage(folder, data_dir, model_file))
    try:
        namespace = cells.load(task).__dict__
        random.seed(0)
        np.random.seed(0)
        torch.manual_seed(0)
        out = folder / "evidence"
        out.mkdir()
        with silenced():
            exec(given_cell(task, "experiment"), namespace)  # noqa: S102 - the kit's own cells and fixes
            exec(fix, namespace)  # noqa: S102
            answer_capture.capture(namespace, str(out), config.kit().tasks[task].epochs,
                                   2 if task in config.WATCHED_TASKS else 1, task in config.ORDER_TASKS,
                                   task in config.END_TASKS)
        return out
    finally:
        os.chdir(here)


def _key(task: int, data_dir: Path, fix: str) -> str:
    held_back = config.verify_data(data_dir) / "val.csv"  # the level is measured on these digits
    parts = [fix, Path(fixes.__file__).read_text(), str(config.kit().tasks[task].epochs),
             (data_dir / "train.csv").read_text(),
             (data_dir / "val.csv").read_text(), held_back.read_text() if held_back.is_file() else "",
             *(cells.cell_source(c, task) for c in cells.CELLS)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _cached(task: int, data_dir: Path, model_file: Path, build: bool) -> dict:
    """{"curves", "level"} of the reference fix's replay on ``data_dir`` (cached in
    ``<data_dir>/../reference_curves.json``); {} when not cached and ``build`` is False."""
    fix = reference_fix(task)
    key, cache = _key(task, data_dir, fix), data_dir.parent / CACHE
    if cache.is_file():
        try:
            stored = json.loads(cache.read_text())
        except ValueError:
            stored = {}
        if stored.get("key") == key and "level" in stored:
            return stored
    if not build:
        return {}
    with tempfile.TemporaryDirectory(prefix="nndebug-reference-") as tmp:
        found = answer_io.load(graded_run(task, fix, Path(tmp) / "run", data_dir, model_file))
    verdict = fixes.RULES[task](found, fixes.Context(data_dir, model_file, reference_level=0.0))
    level = verdict.accuracy
    if level is None:
        raise RuntimeError(f"the reference fix of task {task} was not replayed: "
                           f"{verdict.reason.en if verdict.reason else verdict.fraction}")
    result = {"key": key, "curves": verdict.curves, "level": level}
    tmp = cache.with_suffix(f".{os.getpid()}.tmp")   # atomic: a reader sees the old record or the new
    tmp.write_text(json.dumps(result))
    tmp.replace(cache)
    return result


def curves(task: int, data_dir: Path, model_file: Path, *, build: bool = True) -> dict[str, list[float]]:
    """The reference fix's curves on ``data_dir``; {} when not cached and ``build`` is False."""
    return _cached(task, data_dir, model_file, build).get("curves", {})


def level(task: int, data_dir: Path, model_file: Path, *, build: bool = False) -> float | None:
    """The reference fix's accuracy on the held-back digits beside ``data_dir`` (what "learned" is measured
    against); None when not cached and ``build`` is False."""
    value = _cached(task, data_dir, model_file, build).get("level")
    return float(value) if isinstance(value, int | float) else None
