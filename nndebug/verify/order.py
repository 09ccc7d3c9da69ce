"""Task 1's answer replayed: the order in which the student's training loader deals the given training digits,
rebuilt in the driver from data only (the loader's settings and its dataset read twice in the kernel).

A dataset item is matched to a given training digit by its pixels (exactly, or for an augmented item the most
similar digit of its label under shifts of up to two pixels); a dataset whose two readings disagree (one that
ignores its index and streams) or whose items are not the given digits cannot be replayed. Built-in samplers
are dealt again with the kit's own generator; a custom loader, sampler or batch sampler cannot be replayed
without running the student's code, and is not.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from nndebug.verify import measure
from nndebug.verify.answer import Answer

SHIFT = 2
MIN_CORRELATION = 0.75
MAX_BATCH = 4096
SEED = 0


class NotReplayable(ValueError):
    """The answer's order cannot be rebuilt from data; the message says why (English)."""


@dataclass(frozen=True)
class Order:
    """Each epoch's training batches, as rows of the grading data's train split."""

    epochs: tuple[tuple[tuple[int, ...], ...], ...]
    coverage: float          # share of the given training digits the dataset deals

    def labels(self, labels: torch.Tensor) -> list[list[int]]:
        return [[int(labels[r]) for r in batch] for epoch in self.epochs for batch in epoch]


def _normalised(flat: torch.Tensor) -> torch.Tensor:
    flat = flat.float()
    flat = flat - flat.mean(dim=-1, keepdim=True)
    return flat / flat.norm(dim=-1, keepdim=True).clamp_min(1e-6)


def _shifted(images: torch.Tensor) -> torch.Tensor:
    """(n, 25, 784): each image under every shift of up to two pixels."""
    padded = F.pad(images.float(), (SHIFT, SHIFT, SHIFT, SHIFT))
    views = [padded[:, SHIFT + dy:SHIFT + dy + 28, SHIFT + dx:SHIFT + dx + 28]
             for dy in range(-SHIFT, SHIFT + 1) for dx in range(-SHIFT, SHIFT + 1)]
    return torch.stack(views, dim=1).reshape(len(images), len(views), 28 * 28)


def match(images: torch.Tensor, labels: torch.Tensor, train: torch.Tensor,
          train_labels: torch.Tensor) -> list[int]:
    """The train row each item is (-1: none): the same pixels, else the most similar digit of the item's label
    under small shifts, if similar enough (correlation: a scaled or normalised item matches its digit)."""
    exact = {t.numpy().tobytes(): row for row, t in enumerate(train)}
    rows = [exact.get(img.numpy().tobytes(), -1) for img in images]
    rows = [r if r >= 0 and int(train_labels[r]) == int(labels[i]) else -1 for i, r in enumerate(rows)]
    todo = torch.tensor([i for i, r in enumerate(rows) if r < 0], dtype=torch.long)
    if not len(todo):
        return rows
    train_norm = _normalised(train.reshape(len(train), -1))
    for label in labels[todo].unique().tolist():
        items = todo[labels[todo] == label]
        candidates = (train_labels == label).nonzero().flatten()
        if not len(candidates):
            continue
        corr = _normalised(_shifted(images[items])) @ train_norm[candidates].T   # (n, 25, candidates)
        best, where = corr.amax(dim=1).max(dim=1)
        found = torch.where(best >= MIN_CORRELATION, candidates[where], -1)
        for i, row in zip(items.tolist(), found.tolist(), strict=True):
            rows[i] = row
    return rows


def _train_digits(data_dir: Path) -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = measure.split(data_dir, "train")
    return images[:, 0].to(torch.float16), labels


def mapping(answer: Answer, data_dir: Path, suffix: str = "") -> list[int]:
    """The given training row behind each index of the student's dataset; NotReplayable when the dataset
    cannot be read as the given digits the same way twice."""
    images, labels = answer.probes.get(f"probe_images{suffix}"), answer.probes.get(f"probe_labels{suffix}")
    if images is None or labels is None or images.dim() != 4 or images.shape[0] != 2 \
            or images.shape[2:] != (28, 28) or images.dtype != torch.float16 \
            or labels.shape != images.shape[:2] or labels.dtype != torch.long:
        raise NotReplayable("the training dataset's items could not be read as digits")
    train, train_labels = _train_digits(data_dir)
    first = match(images[0], labels[0], train, train_labels)
    second = match(images[1], labels[1], train, train_labels)
    size = len(first)
    if sum(r < 0 for r in first) > 0.01 * size:
        raise NotReplayable("the training dataset's items are not the given training digits")
    if sum(a != b for a, b in zip(first, second, strict=True)) > 0.01 * size:
        raise NotReplayable("the training dataset gives other digits for the same index when read again "
                            "(its items do not follow the index the sampler asks for)")
    return first


def _epoch_indices(sampler: dict, size: int, generator: torch.Generator) -> list[int]:
    kind = sampler.get("kind")
    if kind in ("SequentialSampler", "RandomSampler"):
        source = sampler.get("source_size", size)       # a sampler may deal from a smaller source
        if type(source) is not int or not 0 < source <= size:
            raise NotReplayable(f"the {kind} deals from a source of another size than the dataset")
        size = source
    if kind == "SequentialSampler":
        return list(range(size))
    if kind == "RandomSampler":
        count = sampler.get("num_samples")
        count = size if count is None else count
        if type(count) is not int or not 0 < count <= 10 * size:
            raise NotReplayable("the RandomSampler's num_samples is not usable")
        if sampler.get("replacement") is True:
            return torch.randint(size, (count,), generator=generator).tolist()
        out: list[int] = []
        while len(out) < count:
            out += torch.randperm(size, generator=generator).tolist()
        return out[:count]
    if kind == "Sequence":
        indices = sampler.get("indices") or []
        if not all(type(i) is int and 0 <= i < size for i in indices):
            raise NotReplayable("the sampler's indices are not indices of the dataset")
        return list(indices)
    if kind == "SubsetRandomSampler":
        indices = sampler.get("indices") or []
        if not all(type(i) is int and 0 <= i < size for i in indices):
            raise NotReplayable("the SubsetRandomSampler's indices are not indices of the dataset")
        return [indices[i] for i in torch.randperm(len(indices), generator=generator).tolist()]
    if kind == "WeightedRandomSampler":
        weights, count = sampler.get("weights") or [], sampler.get("num_samples")
        if len(weights) != size or type(count) is not int or not 0 < count <= 10 * size \
                or not all(type(w) in (int, float) and w >= 0 for w in weights) or not sum(weights) > 0:
            raise NotReplayable("the WeightedRandomSampler's settings are not usable")
        return torch.multinomial(torch.tensor(weights, dtype=torch.double), count,
                                 sampler.get("replacement") is not False, generator=generator).tolist()
    raise NotReplayable(f"the training loader's sampler ({sampler.get('class', '?')}) is not one of torch's "
                        "own, so its order cannot be replayed without running your code")


def _settings(loader: dict) -> tuple[int, bool]:
    """A loader's batch size and drop_last; NotReplayable when it is not torch's own over a map dataset."""
    if loader.get("kind") == "none":
        raise NotReplayable("no DataLoader fed the training")
    if loader.get("kind") != "DataLoader":
        raise NotReplayable(f"the training loader ({loader.get('class', '?')}) is not torch's DataLoader")
    if loader.get("dataset_kind") != "map":
        raise NotReplayable("the training dataset is a stream (IterableDataset): its order is its own code's")
    if loader.get("batch_sampler") != "BatchSampler":
        raise NotReplayable("the training loader's batch sampler is not torch's own")
    if loader.get("collate") != "default":
        raise NotReplayable("the training loader's collate_fn is not torch's own: it decides what a batch "
                            "holds")
    batch = loader.get("batch_size")
    if type(batch) is not int or not 0 < batch <= MAX_BATCH:
        raise NotReplayable("the training loader's batch size is not usable")
    return batch, loader.get("drop_last") is True


def replay(answer: Answer, data_dir: Path, epochs: int) -> Order:
    """The student's training order for ``epochs`` epochs, dealt again by the kit. Task 1's training was
    watched for two epochs, each loader read when it fed its first step: the two deal the epochs in turn (a
    loader built anew every epoch, or a dataset changed in place, deals its changes)."""
    sources = [(answer.loader, mapping(answer, data_dir) if _settings(answer.loader) else [])]
    if answer.loader_next is not None:     # read when it fed the next epoch: it may deal other digits
        _settings(answer.loader_next)
        sources.append((answer.loader_next, mapping(answer, data_dir, "_next")))
    generator = torch.Generator().manual_seed(SEED)
    dealt = []
    for epoch in range(epochs):
        loader, rows = sources[epoch % len(sources)]
        batch, drop_last = _settings(loader)
        indices = _epoch_indices(loader.get("sampler") or {}, len(rows), generator)
        batches = [tuple(rows[i] for i in indices[s:s + batch]) for s in range(0, len(indices), batch)]
        if drop_last and batches and len(batches[-1]) < batch:
            batches.pop()
        dealt.append(tuple(b for b in batches if b))
    train_size = measure.train_size(data_dir)
    seen = {r for _, rows in sources for r in rows if r >= 0}
    return Order(tuple(dealt), len(seen) / max(1, train_size))


def mixing(order: Order, labels: torch.Tensor) -> tuple[float, float]:
    """(mean distinct labels per batch over min(batch, 10), mean distinct labels per batch)."""
    batches = order.labels(labels)
    if not batches:
        return 0.0, 0.0
    share = sum(len(set(b)) / min(len(b), 10) for b in batches) / len(batches)
    return share, sum(len(set(b)) for b in batches) / len(batches)


def reshuffled(order: Order) -> bool:
    """Does every epoch deal the digits in a new order?"""
    epochs = order.epochs
    return len(epochs) >= 2 and all(a != b for a, b in zip(epochs, epochs[1:], strict=False))
