"""Task 1 (shuffle): do the student's trainer's training batches mix classes and change every epoch?

A probe model records what the trainer feeds it; a small label-sorted dataset shows the order in
milliseconds. The probe runs the student's own trainer logic (a copy of their ``trainer`` object with the
model, optimizer, datasets and writer swapped), whatever its class: the given one redefined, a subclass
with a copied loop, a sampler.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

from nndebug.grading.quiet import quietly, silenced

CLASSES = 10
PER_CLASS = 16
VAL_OFFSET = 100_000
EPOCHS = 2
MIN_MIXING = 0.5  # mean distinct labels per batch / min(batch size, classes); sorted data gives ~0.1


class ProbeDataset(Dataset):
    """``CLASSES * PER_CLASS`` items sorted by label; each sample encodes (index, label) scale-invariantly."""

    def __init__(self, offset: int = 0, per_class: int = PER_CLASS) -> None:
        self.offset, self.per_class = offset, per_class

    def __len__(self) -> int:
        return CLASSES * self.per_class

    def __getitem__(self, index: int) -> dict:
        label = index // self.per_class
        sample = np.array([self.offset + index + 1, label + 1, 1.0], dtype=np.float32)
        return dict(sample=sample, label=label)


@dataclass
class Record:
    """Batches the probe saw: (is_training, indices, labels)."""

    batches: list[tuple[bool, list[int], list[int]]] = field(default_factory=list)


class ProbeModel(nn.Module):
    """Records every batch; returns a loss with a gradient and the seed's metrics dict."""

    def __init__(self, record: Record) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(CLASSES))
        self.record = record

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows = x.detach().float().cpu().reshape(len(x), -1)
        scale = rows[:, 2:3]
        decoded = torch.round(rows[:, :2] / scale).long() - 1
        indices, labels = decoded[:, 0].tolist(), decoded[:, 1].tolist()
        is_val = any(i >= VAL_OFFSET for i in indices) or not self.training
        self.record.batches.append((not is_val, indices, labels))
        return self.weight.expand(len(x), CLASSES) * 1.0

    def compute_all(self, batch: dict) -> tuple[torch.Tensor, dict]:
        logits = self(batch["sample"])
        loss = logits.sum() * 0.0
        return loss, dict(acc=np.array(0.0, dtype=np.float32))


class NullWriter:
    """Stands in for SummaryWriter: every method does nothing."""

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: None


@dataclass(frozen=True)
class Probe:
    """Training batches per epoch, as label lists and index lists."""

    epochs_labels: list[list[list[int]]]
    epochs_indices: list[list[int]]

    @property
    def mixing(self) -> float:
        """Mean over training batches of distinct labels / min(batch size, classes)."""
        scores = [len(set(b)) / min(len(b), CLASSES) for epoch in self.epochs_labels for b in epoch if b]
        return float(np.mean(scores)) if scores else 0.0

    @property
    def reshuffled(self) -> bool:
        """Does every epoch see the samples in a new order?"""
        orders = [tuple(order) for order in self.epochs_indices]
        return len(orders) >= 2 and len(set(orders)) == len(orders)


def probe(trainer: object, epochs: int = EPOCHS, seed: int = 0) -> Probe:
    """Run the student's trainer logic on the probe model and sorted probe data."""
    record = Record()
    model = ProbeModel(record)
    probe_trainer = copy.copy(trainer)
    attrs = dict(model=model, optimizer=torch.optim.SGD(model.parameters(), lr=0.0),
                 train_dataset=ProbeDataset(), val_dataset=ProbeDataset(offset=VAL_OFFSET, per_class=1),
                 batch_size=PER_CLASS, log_writer=NullWriter(), device=torch.device("cpu"), global_step=0)
    for name, value in attrs.items():
        setattr(probe_trainer, name, value)
    with torch.random.fork_rng(devices=[]), silenced():
        torch.manual_seed(seed)
        probe_trainer.train(epochs)
    return _split_epochs(record, len(attrs["train_dataset"]))


def _split_epochs(record: Record, epoch_size: int) -> Probe:
    labels: list[list[list[int]]] = [[]]
    indices: list[list[int]] = [[]]
    for is_train, batch_indices, batch_labels in record.batches:
        if not is_train:
            if labels[-1]:
                labels.append([])
                indices.append([])
            continue
        if len(indices[-1]) >= epoch_size:  # no validation between epochs: split by size
            labels.append([])
            indices.append([])
        labels[-1].append(batch_labels)
        indices[-1].extend(batch_indices)
    keep = [i for i, epoch in enumerate(indices) if epoch]
    return Probe([labels[i] for i in keep], [indices[i] for i in keep])


@quietly
def check(trainer: object) -> None:
    """The hidden test: AssertionError unless batches mix classes and reshuffle every epoch."""
    result = probe(trainer)
    assert len(result.epochs_indices) >= EPOCHS, (
        f"trainer.train({EPOCHS}) на пробных данных прошёл {len(result.epochs_indices)} эпох(и), "
        f"а не {EPOCHS}")
    assert result.mixing >= MIN_MIXING, (
        "Батчи обучения не перемешаны: в каждом батче почти один класс "
        f"(смешанность {result.mixing:.2f} < {MIN_MIXING}).")
    assert result.reshuffled, (
        "Порядок примеров одинаков во всех эпохах: данные не перемешиваются заново каждую эпоху.")
