"""Loader section: one epoch of the train set through ``DataLoader(batch_size=128)``, as the Trainer reads
it, with the notebooks' ``MNISTDataset`` against the seed's, in the same process."""
from __future__ import annotations

import contextlib
import io
import time
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader

from nndebug import config
from nndebug.course import cells
from nndebug.tools.bench import seed_loader

TITLE = "loader: one epoch of the train set, DataLoader batch 128 (ours vs the seed's MNISTDataset)"
BATCH_SIZE = 128


def epoch_seconds(dataset: Any, seed: int) -> float:
    """Wall time of one shuffled epoch through a DataLoader, consuming every batch."""
    loader = DataLoader(dataset, shuffle=True, batch_size=BATCH_SIZE,
                        generator=torch.Generator().manual_seed(seed))
    start = time.perf_counter()
    for _ in loader:  # the batches are built (collated) by now; no tensor op, whose threads add noise
        pass
    return time.perf_counter() - start


def measure(root: Path = config.MNIST_DATA, repeats: int = 5) -> dict[str, float]:
    """Seconds: the seed's epoch, our construction (one-time decode) and our epoch. Epochs alternate
    between the two loaders and the best of each counts, so both see the same load on a shared machine."""
    images, csv_path = str(root / "train"), str(root / "train.csv")
    if not (root / "train.csv").is_file():
        raise FileNotFoundError(f"{root / 'train.csv'}: missing; build the data first (`make data`)")
    with contextlib.redirect_stderr(io.StringIO()):
        ours_cls = cells.load().MNISTDataset
        start = time.perf_counter()
        ours = ours_cls(images_dir_path=images, description_csv_path=csv_path)
        decode = time.perf_counter() - start
    seed = seed_loader.MNISTDataset(images_dir_path=images, description_csv_path=csv_path)
    seed_repeats = 2 if len(seed) <= 20_000 else 1  # the full 60,000 take about a minute an epoch
    seed_times, ours_times = [], []
    for repeat in range(repeats):
        ours_times.append(epoch_seconds(ours, repeat))
        if repeat < seed_repeats:
            seed_times.append(epoch_seconds(seed, repeat))
    return {"items": len(seed), "seed_epoch": min(seed_times), "ours_decode": decode,
            "ours_epoch": min(ours_times)}


def run() -> list[str]:
    """The section's lines."""
    m = measure()
    seed_rate, ours_rate = m["items"] / m["seed_epoch"], m["items"] / m["ours_epoch"]
    first = m["ours_decode"] + m["ours_epoch"]
    return [
        f"train set: {m['items']} items ({config.MNIST_DATA.relative_to(config.ROOT)}/train)",
        f"seed MNISTDataset: {m['seed_epoch']:.2f} s an epoch ({seed_rate:,.0f} items/s)",
        f"ours:              {m['ours_epoch']:.2f} s an epoch ({ours_rate:,.0f} items/s): "
        f"{m['seed_epoch'] / m['ours_epoch']:.1f}x the seed's",
        f"ours, one-time decode of every PNG when built: {m['ours_decode']:.2f} s; "
        f"first epoch with it {first:.2f} s: {m['seed_epoch'] / first:.1f}x the seed's first epoch",
    ]
