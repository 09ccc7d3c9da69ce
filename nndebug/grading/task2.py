"""Task 2 (optimizer): after the given training, does the student's model predict the val set, with
weights that did not collapse towards zero?"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from nndebug.grading import evaluation
from nndebug.grading.quiet import quietly
from nndebug.grading.thresholds import threshold


def weight_norm_ratio(model: nn.Module, fresh: nn.Module) -> float:
    """Norm of the model's conv and linear weights over the same norm of a freshly initialised model."""
    def norm(module: nn.Module) -> float:
        weights = [p.detach().float().cpu() for n, p in module.named_parameters() if p.dim() >= 2]
        return float(torch.sqrt(sum((w ** 2).sum() for w in weights)))
    return norm(model) / norm(fresh)


@quietly
def check(trainer: object, model_class: type, data_dir: Path = Path("mnist_data")) -> None:
    """The hidden test: AssertionError unless ``trainer.model`` learned and kept its weights."""
    model = trainer.model
    images, labels = evaluation.load_split(data_dir, "val")
    accuracy = evaluation.accuracy(model, images, labels)
    minimum = threshold("task2_min_accuracy")
    assert accuracy >= minimum, (
        f"После обучения accuracy на валидации {accuracy:.3f} < {minimum}: "
        "сеть с этим оптимизатором не учится.")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        fresh = model_class()
    ratio = weight_norm_ratio(model, fresh)
    least = threshold("task2_min_weight_norm_ratio")
    assert ratio >= least, (
        f"Норма весов после обучения {ratio:.2f} от начальной (< {least}): веса стягиваются к нулю.")
