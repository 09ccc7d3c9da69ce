"""The graded run's batch log cut into epochs: how mixed the training batches were, whether the order
changed between epochs, and the curves (train loss, val accuracy per epoch) for feedback."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nndebug.verify.evidence import CLASSES, Batch


@dataclass(frozen=True)
class Epoch:
    """One epoch: the training batches' labels, then the validation batches that followed them."""

    train: tuple[Batch, ...]
    val: tuple[Batch, ...]

    @property
    def samples(self) -> int:
        return sum(len(b.labels) for b in self.train)

    @property
    def order(self) -> tuple[int, ...]:
        """The digits in the order trained on: their fingerprints when logged, else their labels."""
        if all(batch.ids for batch in self.train):
            return tuple(i for batch in self.train for i in batch.ids)
        return tuple(label for batch in self.train for label in batch.labels)


def epochs(batches: tuple[Batch, ...], train_size: int) -> list[Epoch]:
    """Split the log: a new epoch starts after validation batches, or once ``train_size`` digits were seen."""
    out: list[Epoch] = []
    train: list[Batch] = []
    val: list[Batch] = []
    seen = 0
    for batch in batches:
        if batch.training:
            if val or (seen >= train_size and train):
                out.append(Epoch(tuple(train), tuple(val)))
                train, val, seen = [], [], 0
            train.append(batch)
            seen += len(batch.labels)
        elif train:
            val.append(batch)
    if train:
        out.append(Epoch(tuple(train), tuple(val)))
    return out


def full_epochs(all_epochs: list[Epoch], train_size: int, share: float = 0.9) -> list[Epoch]:
    """The epochs that saw at least ``share`` of the training digits."""
    return [e for e in all_epochs if e.samples >= share * train_size]


def mixing(all_epochs: list[Epoch]) -> float:
    """Mean over training batches of distinct labels / min(batch size, classes): sorted data gives ~0.1."""
    scores = [len(set(b.labels)) / min(len(b.labels), CLASSES)
              for e in all_epochs for b in e.train if b.labels]
    return float(np.mean(scores)) if scores else 0.0


def classes_per_batch(all_epochs: list[Epoch]) -> float:
    """Mean number of distinct classes in a training batch."""
    counts = [len(set(b.labels)) for e in all_epochs for b in e.train if b.labels]
    return float(np.mean(counts)) if counts else 0.0


def reshuffled(all_epochs: list[Epoch]) -> bool:
    """Did every epoch see the digits in a new order (by sample fingerprints, else labels)?"""
    orders = [e.order for e in all_epochs]
    return len(orders) >= 2 and all(a != b for a, b in zip(orders, orders[1:], strict=False))


def curves(all_epochs: list[Epoch]) -> dict[str, list[float]]:
    """Per epoch: mean train loss and the val accuracy the student's trainer measured (as reported)."""
    loss, acc = [], []
    for epoch in all_epochs:
        losses = [b.loss for b in epoch.train if b.loss is not None]
        loss.append(float(np.mean(losses)) if losses else float("nan"))
        accs = [b.acc for b in epoch.val if b.acc is not None]
        acc.append(float(np.mean(accs)) if accs else float("nan"))
    return {"train_loss": loss, "val_acc": acc}

