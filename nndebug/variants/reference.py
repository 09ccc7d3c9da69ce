"""A variant's given cells and a fix, run in-process as the autograder runs a notebook, then verified.

The given code cells of the variant's notebook run in order up to the fix cell (not the download in
``setup``, not the seed's buggy ``train`` run nor the curves), then the fix, then the recorded
``trainer.train(epochs)`` of ``train_fixed``: what ``make autograde`` does, without nbgrader and sandbox.
Kit code only (fast mode for tests and ``make fidelity``).
"""
from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import torch

from nndebug import config
from nndebug.course.staging import stage
from nndebug.kernel import answer as answer_capture
from nndebug.variants import render
from nndebug.variants.families import Variant
from nndebug.verify import answer as answer_io
from nndebug.verify import fixes
from nndebug.verify import reference as seed_reference
from nndebug.verify.quiet import silenced
from nndebug.verify.verdict import Line, Verdict, failed

NOT_RUN = ("setup", "train")


def given_code(variant: Variant) -> list[str]:
    """The variant's given code cells before its fix cell, in notebook order, that a graded run executes."""
    out = []
    for cell in render.build(variant).cells:
        if cell.id == f"task{variant.task}_fix":
            return out
        meta = cell.metadata.get("nbgrader", {})
        if (cell.cell_type == "code" and meta.get("locked") and not meta.get("grade")
                and cell.id not in NOT_RUN and not cell.id.startswith("tensorboard")):
            out.append(cell.source)
    raise ValueError(f"{variant.key}: no fix cell in its notebook")


def reference_fix(variant: Variant) -> str:
    """The variant's reference ``taskN_fix`` (markers commented out)."""
    source = next(c.source for c in render.build(variant).cells if c.id == f"task{variant.task}_fix")
    return source.replace("### ", "# ")


def model_file(variant: Variant) -> Path:
    """The pretrained_model.pt staged beside the variant's notebook."""
    if variant.task == 3:
        from nndebug.variants import models

        return models.model_file(variant)
    return config.MODEL_FILE


def data_dir(variant: Variant) -> Path:
    return config.grading_data(config.kit().tasks[variant.task].notebook)


def graded_run(variant: Variant, fix: str, folder: Path) -> Path:
    """Run the variant's given cells and ``fix`` in ``folder`` and take the answer from its training as the
    autograder does; the folder the answer was written to."""
    here = Path.cwd()
    staged = model_file(variant) if variant.task in config.MODEL_TASKS else None  # as the autograder stages
    os.chdir(stage(folder, data_dir(variant), staged))
    try:
        namespace: dict = {"__name__": "__main__"}
        random.seed(0)
        np.random.seed(0)
        torch.manual_seed(0)
        with silenced():
            for code in given_code(variant):
                exec(code, namespace)  # noqa: S102 - the kit's own cells
            exec(fix, namespace)  # noqa: S102 - a fix under test
            out = folder / "evidence"
            out.mkdir()
            answer_capture.capture(namespace, str(out), config.kit().tasks[variant.task].epochs,
                                   2 if variant.task in config.WATCHED_TASKS else 1,
                                   variant.task in config.ORDER_TASKS,
                                   variant.task in config.END_TASKS)
        return out
    finally:
        os.chdir(here)


def verdict(variant: Variant, fix: str, folder: Path) -> Verdict:
    """The verifier's verdict on ``fix`` graded as ``variant``; a fix or training that raises scores 0 with
    its error, as a crashed training cell does at grading."""
    try:
        out = graded_run(variant, fix, folder)
    except Exception as error:  # noqa: BLE001 - the fix under test is student code
        crashed = f"{type(error).__name__}: {error}"
        return failed(Line(f"обучение упало с ошибкой: {crashed}", f"the training crashed: {crashed}"))
    found = answer_io.load(out)
    data = data_dir(variant)
    level = seed_reference.level(variant.task, data, config.MODEL_FILE, build=True)  # as `make autograde`
    zeroed = variant.zeroed if variant.task == 3 and not variant.is_seed else None
    context = fixes.Context(data, model_file(variant), level, variant_zeroed=zeroed,
                            replayable=variant.replayable)
    return fixes.RULES[variant.task](found, context)
