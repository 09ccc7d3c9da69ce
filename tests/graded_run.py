"""A task notebook's graded run in-process, recorded as the autograder records it, then verified.

The given cells come from the kit (``nndebug.cells``), the datasets from the task's grading data, the fix
from the test; ``nndebug.kernel.record`` watches ``trainer.train(epochs)`` and writes the evidence that
``nndebug.verify`` judges. What ``make autograde`` does, without nbgrader and the sandbox.
"""
from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import torch

from nndebug import cells, config
from nndebug.kernel import record
from nndebug.notebook import assemble
from nndebug.verify import evidence, fixes
from nndebug.verify.quiet import silenced
from nndebug.verify.verdict import Verdict

DATASETS = """
mnist_train = MNISTDataset(images_dir_path='./mnist_data/train/',
                           description_csv_path='./mnist_data/train.csv')
mnist_val = MNISTDataset(images_dir_path='./mnist_data/val/', description_csv_path='./mnist_data/val.csv')
"""


def stage(task: int, folder: Path) -> Path:
    """``folder`` as the autograder stages a notebook's folder: ./mnist_data and ./pretrained_model.pt."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mnist_data").symlink_to(config.grading_data(config.task(task)["notebook"]))
    (folder / "pretrained_model.pt").symlink_to(config.MODEL_FILE)
    return folder


def run(task: int, fix: str, folder: Path) -> Path:
    """Run the given cells and ``fix`` in ``folder``, then the recorded ``trainer.train(epochs)``; return
    the evidence folder."""
    here = Path.cwd()
    os.chdir(stage(task, folder))
    try:
        namespace = cells.load(task).__dict__
        random.seed(0)
        np.random.seed(0)
        torch.manual_seed(0)
        with silenced():
            exec(DATASETS, namespace)  # noqa: S102 - the kit's cells and the tests' own fixes
            exec(fix, namespace)  # noqa: S102
            record.install(namespace)
            namespace["trainer"].train(config.task(task)["epochs"])
        out = folder / "evidence"
        out.mkdir()
        record.dump(namespace, str(out))
        return out
    finally:
        os.chdir(here)


def verdict(task: int, fix: str, folder: Path) -> Verdict:
    """The verifier's verdict on ``fix``'s graded run."""
    found = evidence.load(run(task, fix, folder))
    context = fixes.Context(config.grading_data(config.task(task)["notebook"]), config.MODEL_FILE)
    return fixes.RULES[task](found, context)


def reference_fix(task: int) -> str:
    """The source notebook's solution of ``taskN_fix``, markers commented out."""
    source = next(c.source for c in assemble.build(task).cells if c.id == f"task{task}_fix")
    return source.replace("### ", "# ")
