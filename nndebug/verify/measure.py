"""Measurements the verifier makes itself: the submitted weights in the kit's own ``ResNet18``, on the
grading data the autograder staged, against a fresh model and the released ``pretrained_model.pt``."""
from __future__ import annotations

from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import torch
from torch import nn

from nndebug.course import cells
from nndebug.verify.evidence import BadEvidence


@cache
def _model_class() -> type[nn.Module]:
    return cells.load(name="nn_debug_verifier").ResNet18


def fresh_model(seed: int = 0) -> nn.Module:
    """The kit's ``ResNet18`` as a student's notebook creates it, initialised from ``seed``."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return _model_class()()


def model_from(weights: dict[str, torch.Tensor]) -> nn.Module:
    """The kit's ``ResNet18`` holding ``weights``; BadEvidence when they do not fit it exactly."""
    model = fresh_model()
    expected = model.state_dict()
    missing = sorted(set(expected) - set(weights))
    extra = sorted(set(weights) - set(expected))
    if missing or extra:
        raise BadEvidence("the trained weights do not fit the given ResNet18 (missing: "
                          f"{', '.join(missing[:5]) or '-'}; unexpected: {', '.join(extra[:5]) or '-'})")
    for name, tensor in expected.items():
        if weights[name].shape != tensor.shape:
            raise BadEvidence(f"the trained weights do not fit the given ResNet18 ({name} has shape "
                              f"{tuple(weights[name].shape)}, not {tuple(tensor.shape)})")
    model.load_state_dict({k: v.to(expected[k].dtype) for k, v in weights.items()})
    return model.eval()


@cache
def _split(data_dir: Path, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    table = pd.read_csv(data_dir / f"{split}.csv", dtype={"image_name": str, "label": int})
    images = []
    for name in table["image_name"]:
        image = cv2.imread(str(data_dir / split / f"{name}.png"))
        if image is None:
            raise FileNotFoundError(f"{data_dir / split / name}.png: missing or unreadable")
        images.append(np.transpose(image, (2, 0, 1)))
    return (torch.tensor(np.stack(images), dtype=torch.float32),
            torch.tensor(table["label"].to_numpy(), dtype=torch.long))


def split(data_dir: Path, split_name: str = "val") -> tuple[torch.Tensor, torch.Tensor]:
    """Images (N, 3, 28, 28) in 0..255 and labels of one split of the grading data (as MNISTDataset)."""
    return _split(data_dir.resolve(), split_name)


def train_size(data_dir: Path) -> int:
    """How many training digits the grading data holds."""
    return len(pd.read_csv(data_dir / "train.csv"))


@torch.no_grad()
def accuracy(model: nn.Module, data_dir: Path) -> float:
    """Accuracy on the grading data's val split, through the model's own ``compute_all``."""
    images, labels = split(data_dir)
    correct = 0.0
    for start in range(0, len(labels), 500):
        batch = {"sample": images[start:start + 500], "label": labels[start:start + 500]}
        _, metrics = model.compute_all(batch)
        correct += float(np.asarray(metrics["acc"])) * len(batch["label"])
    return correct / len(labels)


@torch.no_grad()
def outputs_depend_on_input(model: nn.Module) -> bool:
    """Do random, all-white and all-black images give different outputs (eval mode)?"""
    generator = torch.Generator().manual_seed(0)
    inputs = [torch.rand((2, 3, 28, 28), generator=generator), torch.ones((2, 3, 28, 28)),
              torch.zeros((2, 3, 28, 28))]
    outs = [model(x).float() for x in inputs]
    return not all(torch.allclose(outs[0], other, atol=1e-6) for other in outs[1:])


def weight_norm(model: nn.Module) -> float:
    """Norm of the conv and linear weights (parameters with two or more dimensions)."""
    weights = [p.detach().float() for p in model.parameters() if p.dim() >= 2]
    return float(torch.sqrt(sum((w ** 2).sum() for w in weights)))


def weight_norm_ratio(model: nn.Module) -> float:
    """The model's weight norm over a freshly initialised model's."""
    return weight_norm(model) / weight_norm(fresh_model())


def dead_tensors(model: nn.Module) -> list[str]:
    """Multiplicative parameters (``*.weight``) that are all zero: every signal through them is 0.

    An all-zero bias is a legitimate state (a fresh BatchNorm's), so biases are not listed."""
    return [name for name, p in model.named_parameters()
            if name.endswith("weight") and p.numel() and bool(torch.all(p.detach() == 0))]


def pretrained_similarity(model: nn.Module, weights_file: Path, skip: set[str]) -> float:
    """Cosine similarity of the model's conv/linear weights to the released file's (``skip`` aside)."""
    saved = torch.load(weights_file, map_location="cpu", weights_only=True)
    own = dict(model.named_parameters())
    pairs = [(own[name].detach().float().flatten(), tensor.float().flatten())
             for name, tensor in saved.items() if name in own and tensor.dim() >= 2 and name not in skip]
    if not pairs:
        return 0.0
    mine = torch.cat([a for a, _ in pairs])
    theirs = torch.cat([b for _, b in pairs])
    return float(torch.nn.functional.cosine_similarity(mine, theirs, dim=0))
