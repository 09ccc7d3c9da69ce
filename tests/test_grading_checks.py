"""The hidden tests' checks (nndebug.grading), in-process: right fixes pass, wrong and partial ones fail."""
from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import torch
from fix_variants import FIXES

from nndebug import cells, config
from nndebug.grading import task1, task2, task3
from nndebug.grading.quiet import silenced
from nndebug.notebook import assemble

DATASETS = """
mnist_train = MNISTDataset(images_dir_path='./mnist_data/train/',
                           description_csv_path='./mnist_data/train.csv')
mnist_val = MNISTDataset(images_dir_path='./mnist_data/val/', description_csv_path='./mnist_data/val.csv')
"""


def notebook_state(task: int, fix: str, datasets: str = DATASETS) -> dict:
    """The globals of a task notebook after the given cells and a fix cell (seeded as the setup cell does)."""
    namespace = cells.load(task).__dict__
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    with silenced():
        exec(datasets, namespace)  # noqa: S102 - the kit's cells and the tests' own fixes
        exec(fix, namespace)  # noqa: S102
    return namespace


def reference_fix(task: int) -> str:
    return next(c.source for c in assemble.build(task).cells if c.id == f"task{task}_fix")


# Task 1: the probe needs no images: any datasets stand in for mnist_train / mnist_val.
PROBE_DATASETS = "from nndebug.grading.task1 import ProbeDataset\nmnist_train = mnist_val = ProbeDataset()\n"
GIVEN_TRAINER = ("trainer = Trainer(model=ResNet18(), optimizer=None, train_dataset=mnist_train, "
                 "val_dataset=mnist_val, tboard_log_dir='./tb')")


@pytest.mark.parametrize("fix", FIXES[1], ids=lambda f: f.name)
def test_task1_probe_tells_right_from_wrong(fix, tmp_path: Path, monkeypatch, capfd) -> None:
    monkeypatch.chdir(tmp_path)
    trainer = notebook_state(1, fix.code, PROBE_DATASETS)["trainer"]
    if fix.right:
        task1.check(trainer)
    else:
        with pytest.raises(AssertionError):
            task1.check(trainer)
    out, err = capfd.readouterr()
    assert out == "" and err == "", "a check must print nothing (stderr costs the test cell its points)"


def test_task1_given_trainer_fails_and_reference_passes(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    given = notebook_state(1, GIVEN_TRAINER, PROBE_DATASETS)["trainer"]
    with pytest.raises(AssertionError, match="не перемешаны"):
        task1.check(given)
    task1.check(notebook_state(1, reference_fix(1).replace("### ", "# "), PROBE_DATASETS)["trainer"])


def test_task1_probe_is_deterministic_and_leaves_the_rng_alone(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    trainer = notebook_state(2, GIVEN_TRAINER, PROBE_DATASETS)["trainer"]
    torch.manual_seed(5)
    first = task1.probe(trainer)
    after = torch.rand(1)
    torch.manual_seed(5)
    second = task1.probe(trainer)
    assert first.epochs_indices == second.epochs_indices and torch.equal(after, torch.rand(1))
    assert first.mixing > task1.MIN_MIXING and first.reshuffled


@pytest.fixture
def grading_dir(grading_subset: Path, pretrained_model: Path, tmp_path: Path, monkeypatch):
    """A task's notebook folder as the autograder stages it: the task's grading data as ./mnist_data and
    the model as ./pretrained_model.pt."""
    def stage(task: int) -> Path:
        folder = tmp_path / f"task{task}"
        folder.mkdir()
        (folder / "mnist_data").symlink_to(config.grading_data(config.task(task)["notebook"]))
        (folder / "pretrained_model.pt").symlink_to(pretrained_model)
        monkeypatch.chdir(folder)
        return folder
    return stage


def trained(task: int, fix: str) -> object:
    state = notebook_state(task, fix)
    with silenced():
        state["trainer"].train(config.task(task)["epochs"])
    return state


def fix_named(task: int, name: str) -> str:
    return next(f.code for f in FIXES[task] if f.name == name)


@pytest.mark.slow
def test_task2_seed_fix_learns_and_the_bug_does_not(grading_dir) -> None:
    grading_dir(2)
    good = trained(2, fix_named(2, "seed_lr_1e-2_wd_1e-1"))
    task2.check(good["trainer"], good["ResNet18"])
    bad = trained(2, "model = ResNet18()\nopt = optim.SGD(model.parameters(), lr=10e-2, weight_decay=9e-1)\n"
                     "trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, "
                     "val_dataset=mnist_val, tboard_log_dir='./tb')")
    with pytest.raises(AssertionError):
        task2.check(bad["trainer"], bad["ResNet18"])


@pytest.mark.slow
def test_task3_seed_fix_passes_and_scratch_and_bug_fail(grading_dir) -> None:
    grading_dir(3)
    good = trained(3, fix_named(3, "seed_uniform_init_of_zero_tensors"))
    task3.check(good["trainer"])
    bug = notebook_state(3, fix_named(3, "unchanged"))
    assert sorted(task3.zeroed_tensors(bug["model"])) == sorted(config.settings()["model"]["zeroed"])
    with pytest.raises(AssertionError, match="нулевые веса"):
        task3.check(bug["trainer"])
    scratch = trained(3, fix_named(3, "from_scratch"))
    with pytest.raises(AssertionError):
        task3.check(scratch["trainer"])
