"""The trusted replay's parts, without training: the kernel's capture of the answer, the driver's strict
loader, the rebuilt order of task 1 and the rebuilt optimizer of task 2 (docs/grading.md: "Verdicts by a
trusted replay"). The whole replay of each task is graded in tests/test_verify.py and the autograde tests."""
from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, IterableDataset, Sampler

from nndebug import config
from nndebug.kernel import answer as capture
from nndebug.verify import answer as answer_io
from nndebug.verify import measure, order, replay
from nndebug.verify.answer import Answer, Group
from nndebug.verify.evidence import BadEvidence
from nndebug.verify.order import NotReplayable

DATA = config.grading_data(config.notebook(1))


class Digits(Dataset):
    """The grading data's training digits as MNISTDataset gives them ({'sample', 'label'}), in table order,
    optionally shifted (augmentation) or ignoring the index (a stream in disguise)."""

    def __init__(self, shift: int = 0, ignore_index: bool = False, normalise: bool = False) -> None:
        self.images, self.labels = measure.split(DATA, "train")
        self.shift, self.ignore_index, self.next = shift, ignore_index, 0
        self.normalise = normalise

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> dict:
        if self.ignore_index:
            index, self.next = self.next % len(self), self.next + 1
        sample = self.images[index]
        if self.shift:
            sample = torch.roll(sample, shifts=(self.shift, -self.shift), dims=(1, 2))
        if self.normalise:
            sample = (sample / 255 - 0.1307) / 0.3081
        return {"sample": sample, "label": self.labels[index]}


class Stream(IterableDataset):
    def __iter__(self):
        yield from Digits()


class EveryOther(Sampler):
    def __init__(self, size: int) -> None:
        self.size = size

    def __iter__(self):
        return iter(list(range(0, self.size, 2)) + list(range(1, self.size, 2)))

    def __len__(self) -> int:
        return self.size


class Net(nn.Module):
    """Big enough (over a million parameters) to be taken for the network."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Linear(3 * 28 * 28, 512)
        self.head = nn.Linear(512, 10)

    def forward(self, x):
        return self.head(torch.relu(self.body(x.flatten(1) / 255)))


class Trainer:
    def __init__(self, loader: DataLoader, optimizer_class=torch.optim.SGD, **settings) -> None:
        self.model = Net()
        self.loader = loader
        self.optimizer = optimizer_class(self.model.parameters(), **settings)
        self.steps = 0

    def train(self, epochs: int) -> None:
        for _ in range(epochs):
            for batch in self.loader:
                try:
                    loss = nn.functional.cross_entropy(self.model(batch["sample"]), batch["label"])
                    self.optimizer.zero_grad()
                    loss.backward()
                    self.optimizer.step()
                    self.steps += 1
                except Exception:  # noqa: BLE001 - a student's loop that swallows errors
                    pass


def captured(trainer: Trainer, folder: Path) -> Answer:
    folder.mkdir(parents=True, exist_ok=True)
    capture.capture({"trainer": trainer}, str(folder), 3)
    return answer_io.load(folder)


@pytest.fixture(scope="module", autouse=True)
def data(grading_subset):
    return grading_subset


def test_capture_stops_at_the_first_step_and_takes_the_answer_as_data(tmp_path: Path) -> None:
    trainer = Trainer(DataLoader(Digits(), batch_size=64, shuffle=True), lr=0.05, weight_decay=5e-4)
    before = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    found = captured(trainer, tmp_path)
    assert found.stopped and trainer.steps == 0     # `except Exception` in the loop did not swallow the stop
    assert found.optimizer_class == "torch.optim.sgd.SGD"
    assert found.groups[0].number("lr") == 0.05 and found.groups[0].number("weight_decay") == 5e-4
    assert set(found.groups[0].params) == {n for n, _ in trainer.model.named_parameters()}
    assert all(torch.equal(found.start[k], v) for k, v in before.items())
    assert found.loader["sampler"]["kind"] == "RandomSampler" and found.loader["batch_size"] == 64
    assert found.probes["probe_images"].shape == (2, len(Digits()), 28, 28)


def test_a_shuffled_loader_replays_mixed_and_reshuffled(tmp_path: Path) -> None:
    found = captured(Trainer(DataLoader(Digits(), batch_size=128, shuffle=True), lr=0.01), tmp_path)
    dealt = order.replay(found, DATA, 3)
    share, _ = order.mixing(dealt, measure.split(DATA, "train")[1])
    assert share > 0.8 and order.reshuffled(dealt) and dealt.coverage == 1.0


def test_the_given_sorted_loader_replays_unmixed(tmp_path: Path) -> None:
    found = captured(Trainer(DataLoader(Digits(), batch_size=128, shuffle=False), lr=0.01), tmp_path)
    dealt = order.replay(found, DATA, 3)
    share, _ = order.mixing(dealt, measure.split(DATA, "train")[1])
    assert share < 0.2 and not order.reshuffled(dealt)


class EpochSubsets(Trainer):
    """A loader built anew every epoch over a new random Subset, read in order: reshuffled every epoch."""

    def train(self, epochs: int) -> None:
        dataset = self.loader.dataset
        for _ in range(epochs):
            subset = torch.utils.data.Subset(dataset, torch.randperm(len(dataset)).tolist())
            for batch in DataLoader(subset, batch_size=128, shuffle=False):
                loss = nn.functional.cross_entropy(self.model(batch["sample"]), batch["label"])
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()


def test_a_loader_built_anew_every_epoch_is_watched_for_two_epochs(tmp_path: Path) -> None:
    trainer = EpochSubsets(DataLoader(Digits(), batch_size=128), lr=0.01)
    capture.capture({"trainer": trainer}, str(tmp_path), 3, loaders=2)
    found = answer_io.load(tmp_path)
    assert found.same_loader is False and found.loader_next["sampler"]["kind"] == "SequentialSampler"
    dealt = order.replay(found, DATA, 4)
    share, _ = order.mixing(dealt, measure.split(DATA, "train")[1])
    assert share > 0.8 and order.reshuffled(dealt) and dealt.coverage == 1.0


@pytest.mark.parametrize("options", [{"shift": 2}, {"normalise": True}], ids=["shifted", "normalised"])
@pytest.mark.slow  # over a few seconds: kept out of make test-fast's two minutes
def test_augmented_items_are_matched_to_their_digits(options: dict, tmp_path: Path) -> None:
    found = captured(Trainer(DataLoader(Digits(**options), batch_size=128, shuffle=True), lr=0.01), tmp_path)
    rows = order.mapping(found, DATA)
    assert sum(r == i for i, r in enumerate(rows)) >= 0.99 * len(rows)


@pytest.mark.parametrize("loader, why", [
    (lambda: DataLoader(Digits(ignore_index=True), batch_size=128, shuffle=True), "read again"),
    (lambda: DataLoader(Stream(), batch_size=128), "stream"),
    (lambda: DataLoader(Digits(), batch_size=128, sampler=EveryOther(1280)), "not one of torch's own"),
    (lambda: type("MyLoader", (DataLoader,), {})(Digits(), batch_size=128, shuffle=True), "not torch's"),
], ids=["index ignored", "iterable", "custom sampler", "loader subclass"])
def test_an_order_of_the_students_own_code_is_not_replayed(loader, why: str, tmp_path: Path) -> None:
    found = captured(Trainer(loader(), lr=0.01), tmp_path)
    with pytest.raises(NotReplayable, match=why):
        order.replay(found, DATA, 2)


class Peeking(Trainer):
    """Trains on the sorted loader, and before every step iterates a shuffled one only to look at it."""

    def train(self, epochs: int) -> None:
        shuffled = DataLoader(self.loader.dataset, batch_size=128, shuffle=True)
        for _ in range(epochs):
            for batch in self.loader:
                next(iter(shuffled))
                loss = nn.functional.cross_entropy(self.model(batch["sample"]), batch["label"])
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()


class SortedBatches(Digits):
    """__getitem__ honours the index; __getitems__ (what the loader's fetcher calls) deals sorted digits."""

    def __getitems__(self, indices):
        return [Digits.__getitem__(self, i) for i in range(len(indices))]


def test_what_deals_is_read_not_what_reports(tmp_path: Path) -> None:
    """The loader that fed the network (not one iterated to be looked at), the batch sampler's own sampler
    and source, the fetcher's own path and a collate_fn of the student's own are what the replay reads."""
    sorted_ = Digits()
    peek = captured(Peeking(DataLoader(sorted_, batch_size=128, shuffle=False), lr=0.01), tmp_path / "peek")
    assert peek.loader["sampler"]["kind"] == "SequentialSampler"
    batches = torch.utils.data.BatchSampler(torch.utils.data.SequentialSampler(sorted_), 128, False)
    walker = DataLoader(sorted_, batch_sampler=batches)
    walker.__dict__["sampler"] = torch.utils.data.RandomSampler(sorted_)   # what the loader reports
    walked = captured(Trainer(walker, lr=0.01), tmp_path / "walk")
    assert walked.loader["sampler"]["kind"] == "SequentialSampler"
    small = DataLoader(sorted_, batch_size=32, sampler=torch.utils.data.RandomSampler(range(128)))
    dealt = order.replay(captured(Trainer(small, lr=0.01), tmp_path / "small"), DATA, 2)
    assert order.mixing(dealt, measure.split(DATA, "train")[1])[0] < 0.2
    fetched = captured(Trainer(DataLoader(SortedBatches(), batch_size=128, shuffle=True), lr=0.01),
                       tmp_path / "getitems")
    with pytest.raises(NotReplayable):
        order.replay(fetched, DATA, 2)
    collate = torch.utils.data.default_collate
    collated = DataLoader(sorted_, batch_size=128, shuffle=True, collate_fn=lambda items: collate(items))
    capture.capture({"trainer": Trainer(collated, lr=0.01)}, str(tmp_path), 2)
    with pytest.raises(NotReplayable, match="collate_fn"):
        order.replay(answer_io.load(tmp_path), DATA, 2)


class Decoys(Trainer):
    """Forwards a copy of the network only to look at it, and steps a clean optimizer once (nothing to move
    yet), before the given optimizer trains the given network."""

    def train(self, epochs: int) -> None:
        copy = Net()
        copy(torch.zeros(2, 3, 28, 28))
        torch.optim.SGD(self.model.parameters(), lr=0.01).step()
        super().train(epochs)


def test_the_trained_network_and_every_stepping_optimizer_are_taken(tmp_path: Path) -> None:
    trainer = Decoys(DataLoader(Digits(), batch_size=128, shuffle=True), lr=0.1, weight_decay=0.9)
    mine = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    trainer.model(torch.zeros(1, 3, 28, 28))         # the network itself was looked at before training too
    capture.capture({"trainer": trainer}, str(tmp_path), 3, loaders=2)
    found = answer_io.load(tmp_path)
    assert all(torch.equal(found.start[k], v) for k, v in mine.items())
    assert len(found.stepped) == 2 and max(g.number("weight_decay") for s in found.stepped
                                           for g in s.first) == 0.9


def test_digits_that_are_not_the_given_training_set_are_not_replayed(tmp_path: Path) -> None:
    dataset = Digits()
    dataset.images, dataset.labels = measure.split(DATA, "val")
    found = captured(Trainer(DataLoader(dataset, batch_size=64, shuffle=True), lr=0.01), tmp_path)
    with pytest.raises(NotReplayable, match="not the given training digits"):
        order.replay(found, DATA, 2)


def test_the_optimizer_is_rebuilt_from_torch_only() -> None:
    model = measure.fresh_model()
    names = tuple(n for n, _ in model.named_parameters())
    built = replay.optimizer_from("torch.optim.adamw.AdamW", (Group({"lr": 1e-3, "weight_decay": 0.01,
                                                                     "betas": [0.9, 0.99]}, names),), model)
    assert type(built) is torch.optim.AdamW and built.param_groups[0]["betas"] == (0.9, 0.99)
    for cls in ("__main__.SGD", "torch.optim.lbfgs.LBFGS", "torch.optim.optimizer.Optimizer", "os.system"):
        with pytest.raises(NotReplayable):
            replay.optimizer_from(cls, (Group({"lr": 0.1}, names),), measure.fresh_model())
    with pytest.raises(NotReplayable, match="not the network's own"):
        replay.optimizer_from("torch.optim.sgd.SGD", (Group({"lr": 0.1}, ("elsewhere.weight",)),), model)
    with pytest.raises(NotReplayable, match="learning rate"):
        replay.optimizer_from("torch.optim.sgd.SGD", (Group({"lr": "0.1"}, names),), measure.fresh_model())


def test_the_answer_loader_refuses_objects_links_and_oversized_files(tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.mkdir()
    (good / capture.ANSWER_JSON).write_text(json.dumps({"schema": capture.SCHEMA, "stopped": True}))
    torch.save({}, good / capture.ANSWER_PT)
    assert answer_io.load(good).stopped

    class Evil:
        def __reduce__(self):
            return (os.system, ("touch pwned",))

    pickled = tmp_path / "pickled"
    pickled.mkdir()
    (pickled / capture.ANSWER_JSON).write_text(json.dumps({"schema": capture.SCHEMA, "stopped": True}))
    (pickled / capture.ANSWER_PT).write_bytes(pickle.dumps({"start": Evil()}))
    with pytest.raises(BadEvidence):
        answer_io.load(pickled)
    assert not (Path.cwd() / "pwned").exists()

    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / capture.ANSWER_JSON).symlink_to(good / capture.ANSWER_JSON)
    (linked / capture.ANSWER_PT).symlink_to(good / capture.ANSWER_PT)
    with pytest.raises(BadEvidence, match="not a regular file"):
        answer_io.load(linked)

    huge = tmp_path / "huge"
    huge.mkdir()
    (huge / capture.ANSWER_JSON).write_text(" " * (answer_io.MAX_JSON_BYTES + 1))
    with pytest.raises(BadEvidence, match="limit"):
        answer_io.load(huge)
    with pytest.raises(BadEvidence, match="did not start"):
        answer_io.load(tmp_path / "missing")
