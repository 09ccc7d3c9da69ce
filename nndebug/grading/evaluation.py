"""Evaluate a trained model on the val split read straight from ``./mnist_data`` (not from student state)."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import torch
from torch import nn

from nndebug.grading.quiet import silenced


def load_split(data_dir: Path = Path("mnist_data"), split: str = "val") -> tuple[torch.Tensor, torch.Tensor]:
    """Images (N, 3, 28, 28) float32 in 0..255 and labels (N,) of one split, as MNISTDataset reads them."""
    table = pd.read_csv(data_dir / f"{split}.csv", dtype={"image_name": str, "label": int})
    images = []
    for name in table["image_name"]:
        image = cv2.imread(str(data_dir / split / f"{name}.png"))
        if image is None:
            raise FileNotFoundError(f"{data_dir / split / name}.png: missing or unreadable")
        images.append(np.transpose(image, (2, 0, 1)))
    return (torch.tensor(np.stack(images), dtype=torch.float32),
            torch.tensor(table["label"].to_numpy(), dtype=torch.long))


def model_device(model: nn.Module) -> torch.device:
    """Where the model's parameters live."""
    return next(model.parameters()).device


@torch.no_grad()
def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 250) -> float:
    """Accuracy in eval mode through the model's own ``compute_all`` (its own preprocessing)."""
    was_training = model.training
    model.eval()
    device, correct = model_device(model), 0.0
    try:
        with silenced():
            for start in range(0, len(labels), batch_size):
                batch = {"sample": images[start:start + batch_size].to(device),
                         "label": labels[start:start + batch_size].to(device)}
                _, metrics = model.compute_all(batch)
                correct += float(np.asarray(metrics["acc"])) * len(batch["label"])
    finally:
        model.train(was_training)
    return correct / len(labels)


@torch.no_grad()
def outputs_depend_on_input(model: nn.Module) -> bool:
    """In eval mode, do random, all-white and all-black images give different outputs?"""
    was_training = model.training
    model.eval()
    device = model_device(model)
    generator = torch.Generator().manual_seed(0)
    inputs = [torch.rand((2, 3, 28, 28), generator=generator), torch.ones((2, 3, 28, 28)),
              torch.zeros((2, 3, 28, 28))]
    try:
        with silenced():
            outs = [model(x.to(device)).float().cpu() for x in inputs]
    finally:
        model.train(was_training)
    return not all(torch.allclose(outs[0], other, atol=1e-6) for other in outs[1:])
