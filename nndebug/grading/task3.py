"""Task 3 (pretrained): no zeroed tensor left, outputs depend on the input, and the pretrained weights
that were fine are still used (high accuracy after the short fine-tune, weights close to the file's)."""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from nndebug import config
from nndebug.grading import evaluation
from nndebug.grading.quiet import quietly
from nndebug.grading.thresholds import threshold


def zeroed_tensors(model: nn.Module) -> list[str]:
    """Names of parameters that are all zero."""
    return [name for name, p in model.named_parameters() if p.numel() and bool(torch.all(p.detach() == 0))]


def pretrained_similarity(model: nn.Module, weights_file: Path) -> float:
    """Cosine similarity of the model's conv/linear weights to the file's (the bug-seeded tensors aside)."""
    saved = torch.load(weights_file, map_location="cpu")
    skip = set(config.settings()["model"]["zeroed"])
    own = dict(model.named_parameters())
    pairs = [(own[name].detach().float().cpu().flatten(), tensor.float().flatten())
             for name, tensor in saved.items() if name in own and tensor.dim() >= 2 and name not in skip]
    if not pairs:
        return 0.0
    mine = torch.cat([a for a, _ in pairs])
    theirs = torch.cat([b for _, b in pairs])
    return float(torch.nn.functional.cosine_similarity(mine, theirs, dim=0))


@quietly
def check(trainer: object, data_dir: Path = Path("mnist_data"),
          weights_file: Path = Path("pretrained_model.pt")) -> None:
    """The hidden test: AssertionError unless the student's model is the repaired pretrained one."""
    model = trainer.model
    zeroed = zeroed_tensors(model)
    assert not zeroed, f"В модели остались нулевые веса: {', '.join(zeroed)}"
    assert evaluation.outputs_depend_on_input(model), "Выход модели не зависит от входа."
    similarity = pretrained_similarity(model, weights_file)
    least = threshold("task3_min_pretrained_similarity")
    assert similarity >= least, (
        f"Веса модели далеки от предобученных (сходство {similarity:.2f} < {least}): "
        "предобученные веса не используются.")
    images, labels = evaluation.load_split(data_dir, "val")
    accuracy = evaluation.accuracy(model, images, labels)
    minimum = threshold("task3_min_accuracy")
    assert accuracy >= minimum, f"После дообучения accuracy на валидации {accuracy:.3f} < {minimum}."
