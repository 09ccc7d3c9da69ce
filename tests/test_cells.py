"""The shared notebook cells: the fast loader gives the seed's items, the trainer renders per task, a
Trainer trains a step on CPU, and names/attributes are the seed's."""
from __future__ import annotations

import difflib
import inspect
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Subset

from nndebug.course import cells
from nndebug.tools.bench.seed_loader import MNISTDataset as SeedMNISTDataset

# The seed notebook's MNISTDataset, verbatim, is the reference.
MNISTDataset = SeedMNISTDataset


@pytest.fixture(scope="module")
def module():
    return cells.load(2)


@pytest.mark.parametrize("split", ["train", "val"])
def test_fast_loader_gives_the_seeds_items(module, grading_subset: Path, split: str) -> None:
    paths = {"images_dir_path": str(grading_subset / split),
             "description_csv_path": str(grading_subset / f"{split}.csv")}
    seed, ours = MNISTDataset(**paths), module.MNISTDataset(**paths)
    assert len(seed) == len(ours)
    for index in range(len(seed)):
        a, b = seed[index], ours[index]
        assert set(a) == set(b) == {"sample", "label"}
        assert b["sample"].dtype == np.float32 and b["sample"].shape == (3, 28, 28)
        assert np.array_equal(a["sample"], b["sample"]), index
        assert int(a["label"]) == b["label"] and isinstance(b["label"], int)
    for x, y in zip(DataLoader(seed, batch_size=128), DataLoader(ours, batch_size=128), strict=True):
        assert torch.equal(x["sample"], y["sample"]) and torch.equal(x["label"], y["label"])
        assert x["label"].dtype == y["label"].dtype == torch.int64
    assert ours[0]["sample"].max() > 1  # 0..255, not normalised


def test_description_df_drives_the_items_as_in_the_seed(module, grading_subset: Path) -> None:
    """The seed reads description_df in __getitem__: shuffling or cutting it changes the items; the fast
    loader's cache must not make that line silently do nothing."""
    paths = {"images_dir_path": str(grading_subset / "train"),
             "description_csv_path": str(grading_subset / "train.csv")}
    seed, ours = MNISTDataset(**paths), module.MNISTDataset(**paths)
    for dataset in (seed, ours):
        dataset.description_df = dataset.description_df.sample(frac=1, random_state=3)
    assert [ours[i]["label"] for i in range(20)] == [int(seed[i]["label"]) for i in range(20)]
    assert len({ours[i]["label"] for i in range(20)}) > 1  # no longer sorted by label
    assert all(np.array_equal(seed[i]["sample"], ours[i]["sample"]) for i in range(0, len(seed), 97))
    for dataset in (seed, ours):
        dataset.description_df = dataset.description_df.head(50)
    assert len(ours) == len(seed) == 50


def test_trainer_renders_differ_in_the_shuffle_line_only() -> None:
    task1 = cells.cell_source("trainer", 1).splitlines()
    for other in (2, 3):
        rendered = cells.cell_source("trainer", other).splitlines()
        changed = [line for line in difflib.unified_diff(task1, rendered, lineterm="", n=0)
                   if line[:1] in "+-" and not line.startswith(("+++", "---"))]
        assert len(changed) == 2, changed
        assert "shuffle=False" in changed[0] and changed[0].startswith("-")
        assert changed[1] == "+" + changed[0][1:].replace("shuffle=False", "shuffle=True")


@pytest.mark.slow  # over a few seconds: kept out of make test-fast's two minutes
def test_trainer_trains_one_step_on_cpu(module, grading_subset: Path, tmp_path: Path) -> None:
    torch.manual_seed(0)
    paths = {s: (str(grading_subset / s), str(grading_subset / f"{s}.csv")) for s in ("train", "val")}
    train = Subset(module.MNISTDataset(*paths["train"]), range(128))
    val = Subset(module.MNISTDataset(*paths["val"]), range(16))
    model = module.ResNet18()
    before = model.net.fc.weight.detach().clone()
    trainer = module.Trainer(model=model, optimizer=torch.optim.SGD(model.parameters(), lr=1e-2),
                             train_dataset=train, val_dataset=val, tboard_log_dir=str(tmp_path / "tb"))
    trainer.train(1)
    trainer.log_writer.close()
    assert trainer.global_step == 1 and not torch.equal(before, model.net.fc.weight.detach().cpu())
    assert any((tmp_path / "tb").iterdir())


def test_names_and_attributes_are_the_seeds(module, grading_subset: Path, tmp_path: Path) -> None:
    ds = module.MNISTDataset(images_dir_path=str(grading_subset / "val"),
                             description_csv_path=str(grading_subset / "val.csv"))
    assert ds.images_dir_path == str(grading_subset / "val")
    assert list(ds.description_df.columns) == ["image_name", "label"]
    assert isinstance(ds.description_df["image_name"][0], str)
    first_png = grading_subset / "val" / f"{ds.description_df['image_name'][0]}.png"
    assert np.array_equal(module.MNISTDataset._read_img(first_png), ds[0]["sample"])
    model = module.ResNet18()
    assert model.net.fc.in_features == 512 and model.net.fc.out_features == 10
    batch = {"sample": torch.from_numpy(np.stack([ds[i]["sample"] for i in range(4)])),
             "label": torch.tensor([ds[i]["label"] for i in range(4)])}
    loss, metrics = model.compute_all(batch)
    assert loss.ndim == 0 and set(metrics) == {"acc"}
    assert list(inspect.signature(module.Trainer).parameters) == [
        "model", "optimizer", "train_dataset", "val_dataset", "tboard_log_dir", "batch_size"]
    assert inspect.signature(module.Trainer).parameters["batch_size"].default == 128
    trainer = module.Trainer(model, torch.optim.SGD(model.parameters(), lr=1e-2), ds, ds, str(tmp_path))
    for name in ("model", "optimizer", "train_dataset", "val_dataset", "batch_size", "device", "global_step",
                 "log_writer"):
        assert hasattr(trainer, name), name
    trainer.log_writer.close()
    for name in ("Path", "np", "pd", "tqdm", "cv2", "torch", "nn", "F", "optim", "Dataset", "DataLoader",
                 "resnet18", "SummaryWriter"):
        assert hasattr(module, name), name
