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

from nndebug import config
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


def removed_norms(model: nn.Module, missing: set[str]) -> list[str]:
    """The BatchNorm layers whose every tensor is ``missing``: a model with such a layer replaced by an
    identity (``nn.Identity`` has no state) is the given ResNet18 with that normalisation taken out."""
    removed = []
    for name, module in model.named_modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            keys = {f"{name}.{key}" for key in module.state_dict()}
            if keys and keys <= missing:
                removed.append(name)
    return removed


def model_from(weights: dict[str, torch.Tensor]) -> nn.Module:
    """The kit's ``ResNet18`` holding ``weights``; BadEvidence when they do not fit it exactly. A BatchNorm
    layer whose tensors are all absent is taken as replaced by an identity (listed in ``removed_norms_``)."""
    model = fresh_model()
    expected = model.state_dict()
    missing = set(expected) - set(weights)
    removed = removed_norms(model, missing)
    for name in removed:
        parent, _, child = name.rpartition(".")
        setattr(model.get_submodule(parent) if parent else model, child, nn.Identity())
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
    model.removed_norms_ = removed
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


def held_back(data_dir: Path) -> tuple[torch.Tensor, torch.Tensor]:
    """The held-back digits beside ``data_dir`` (:func:`nndebug.config.verify_data`), never staged."""
    folder = config.verify_data(data_dir)
    if not (folder / "val.csv").is_file():
        raise FileNotFoundError(f"{folder}: the verifier's held-back digits are missing "
                                "(make grading-inputs)")
    return split(folder, "val")


@torch.no_grad()
def accuracy(model: nn.Module, data_dir: Path) -> float:
    """Accuracy on the held-back digits beside the grading data (digits the kernel never saw), through the
    model's own ``compute_all``."""
    return accuracy_on(model, *held_back(data_dir))


def chance(data_dir: Path) -> float:
    """The accuracy of a network that learned nothing on the held-back digits: the largest class's share."""
    _, labels = held_back(data_dir)
    return float(torch.bincount(labels).max()) / max(1, len(labels))


@torch.no_grad()
def accuracy_on(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Accuracy on ``images`` (0..255) and ``labels``, eval mode, through the model's ``compute_all``."""
    if not len(labels):
        return float("nan")
    correct = 0.0
    model.eval()
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


def pretrained_kept(model: nn.Module, weights_file: Path, skip: set[str]) -> float:
    """How far the model's conv/linear weights (``skip`` aside) lie from the released file's, over how far the
    released ones lie from the init they were trained from (kit.toml [model] seed, the notebooks' seed too):
    0 for the released weights, 1 for that init, more for any other."""
    saved = torch.load(weights_file, map_location="cpu", weights_only=True)
    own = dict(model.named_parameters())
    start = dict(fresh_model(config.kit().model.seed).named_parameters())
    to_released = path = 0.0
    for name, tensor in saved.items():
        if name in own and name in start and tensor.dim() >= 2 and name not in skip \
                and own[name].shape == tensor.shape:
            released = tensor.float()
            to_released += float(((own[name].detach().float() - released) ** 2).sum())
            path += float(((released - start[name].detach().float()) ** 2).sum())
    return float("inf") if path == 0 else (to_released / path) ** 0.5
