"""`make fidelity`: the notebooks' own cells run buggy and fixed; the report files are written."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from fix_variants import tiny_dataset

from nndebug import config
from nndebug.tools import fidelity, fidelity_report


@pytest.fixture
def tiny_data(grading_subset: Path, tmp_path: Path, monkeypatch) -> Path:
    data = tmp_path / "data" / "mnist_data"
    tiny_dataset(grading_subset, data, train_per_class=10, val_per_class=10)
    monkeypatch.setattr(config, "MNIST_DATA", data)
    return data


def test_stage_cuts_val_equally_per_class(tiny_data: Path, tmp_path: Path) -> None:
    folder = fidelity.stage(tmp_path / "run", val_images=30)
    val = pd.read_csv(folder / "mnist_data" / "val.csv")
    assert len(val) == 30 and val["label"].value_counts().eq(3).all()
    assert (folder / "mnist_data" / "train.csv").resolve() == (tiny_data / "train.csv").resolve()


@pytest.mark.slow
def test_buggy_and_fixed_runs_record_every_epoch_and_write_the_report(tiny_data: Path, tmp_path: Path,
                                                                      monkeypatch) -> None:
    kit = config.kit()
    two_epochs = dataclasses.replace(kit, tasks={**kit.tasks, 1: dataclasses.replace(kit.tasks[1], epochs=2)})
    with config.use(two_epochs):
        runs = [fidelity.experiment(1, variant, fidelity.stage(tmp_path / variant, None))
                for variant in ("buggy", "fixed")]
    assert [len(r.accuracy) for r in runs] == [2, 2]
    assert all(0.0 <= a <= 1.0 for r in runs for a in r.accuracy)
    fidelity_report.write_csv(runs, tmp_path / "fidelity.csv")
    fidelity_report.write_plot(runs, tmp_path / "fidelity.png")
    setup = fidelity_report.Setup("cpu", "CPU", 100, 100)
    fidelity_report.write_markdown(runs, tmp_path / "fidelity.md", setup)
    assert len(pd.read_csv(tmp_path / "fidelity.csv")) == 4
    assert (tmp_path / "fidelity.png").stat().st_size > 1000
    assert "| 1 (task1_shuffle) |" in (tmp_path / "fidelity.md").read_text()
