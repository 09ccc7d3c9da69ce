"""Training and evaluation loops for the seed's ``ResNet18`` wrapper (its ``compute_all``), fast on CPU.

Digits stay uint8 in memory and become float per batch, as the seed's loader hands them over (0..255).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm


@dataclass
class Digits:
    """All items of a split as tensors: samples uint8 (n, 3, 28, 28), labels int64 (n,)."""

    samples: torch.Tensor
    labels: torch.Tensor

    def __len__(self) -> int:
        return len(self.labels)


def device() -> torch.device:
    """CUDA when present, CPU otherwise."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def load_split(cells: Any, root: Path, split: str) -> Digits:
    """A split of the seed layout read through the notebooks' own ``MNISTDataset``."""
    dataset = cells.MNISTDataset(images_dir_path=str(root / split),
                                 description_csv_path=str(root / f"{split}.csv"))
    items = [dataset[i] for i in range(len(dataset))]
    samples = torch.stack([torch.from_numpy(item["sample"]) for item in items]).to(torch.uint8)
    labels = torch.tensor([int(item["label"]) for item in items], dtype=torch.int64)
    return Digits(samples, labels)


def batches(digits: Digits, batch_size: int, generator: torch.Generator | None, dev: torch.device):
    """Batches as the Trainer's DataLoader gives them: a shuffled order when ``generator`` is given."""
    n = len(digits)
    order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
    for start in range(0, n, batch_size):
        index = order[start:start + batch_size]
        yield {"sample": digits.samples[index].to(dev).float(), "label": digits.labels[index].to(dev)}


def fit(model: torch.nn.Module, optimizer: torch.optim.Optimizer, digits: Digits, epochs: int,
        batch_size: int, seed: int, desc: str, progress: bool = True, cosine: bool = False) -> None:
    """Train ``epochs`` shuffled epochs with ``model.compute_all``, as the seed's Trainer does;
    ``cosine`` anneals the learning rate to 0 over all steps."""
    dev = next(model.parameters()).device
    generator = torch.Generator().manual_seed(seed)
    steps = epochs * ((len(digits) + batch_size - 1) // batch_size)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps) if cosine else None
    model.train()
    with tqdm(total=steps, desc=desc, unit="batch", disable=not progress) as bar:
        for _ in range(epochs):
            for batch in batches(digits, batch_size, generator, dev):
                loss, _ = model.compute_all(batch)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                if schedule is not None:
                    schedule.step()
                bar.update()


@torch.no_grad()
def accuracy(model: torch.nn.Module, digits: Digits, batch_size: int = 500) -> float:
    """Fraction of ``digits`` classified right, in eval mode."""
    dev = next(model.parameters()).device
    model.eval()
    correct = 0
    for batch in batches(digits, batch_size, None, dev):
        correct += int((model(batch["sample"] / 255.0).argmax(1) == batch["label"]).sum())
    return correct / len(digits)
