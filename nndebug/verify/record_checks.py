"""What the kernel's record claims, checked against what the verifier measures from the handed-in weights.

The record is untrusted: a student's code can shape it. Each claim that matters is measured again here:
the digits trained on are the given training set's, with their labels; the last epoch's logged training
losses are what the handed-in weights give on those digits; the last epoch's logged val accuracy is what
they give on those val digits; the optimizer's weight decay did not change between the start and the end of
the run; and a task that starts from a fresh model did not hand in weights taken from a released model.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from nndebug import config
from nndebug.verify import measure
from nndebug.verify.evidence import Evidence, Groups
from nndebug.verify.run import Epoch
from nndebug.verify.verdict import Line


def threshold(name: str) -> float:
    """One number from kit.toml [checks]."""
    return getattr(config.kit().checks, name)


@dataclass(frozen=True)
class Problem:
    """A claim of the record the weights do not back up: why, and where to look."""

    reason: Line
    advice: Line


RERUN = Line("запустите тетрадку сверху вниз: данная ячейка обучения должна обучить вашу модель, и оценка "
             "берётся с весов после неё",
             "run the notebook top to bottom: the given training cell must train your model, and the grade "
             "comes from its weights after that cell")


def trained_digits(epochs: list[Epoch], data_dir: Path) -> Problem | None:
    """The full epochs trained on the given training digits, with their own labels."""
    index = measure.digit_index(data_dir, "train")
    _, labels = measure.split(data_dir, "train")
    ids = [(i, label) for e in epochs for b in e.train for i, label in zip(b.ids, b.labels, strict=False)]
    total = sum(len(b.labels) for e in epochs for b in e.train)
    known = [(index[i], label) for i, label in ids if i in index]
    right = sum(1 for row, label in known if int(labels[row]) == label)
    share = right / total if total else 0.0
    least = threshold("min_training_digits")
    if share < least:
        return Problem(Line(f"обучение шло не на данных цифрах обучения mnist_train с их метками (таких "
                            f"{share:.0%} < {least:.0%})",
                            f"the training did not run on the given training digits (mnist_train) with their "
                            f"labels ({share:.0%} of them < {least:.0%})"),
                       Line("обучайте на mnist_train, как данная ячейка обучения",
                            "train on mnist_train, as the given training cell does"))
    return None


def _rows(batch_ids: tuple[int, ...], index: dict[int, int]) -> torch.Tensor | None:
    rows = [index.get(i) for i in batch_ids]
    return None if not rows or None in rows else torch.tensor(rows)


def last_losses(epochs: list[Epoch], model: nn.Module, data_dir: Path) -> tuple[float, float] | None:
    """(logged, recomputed) mean training loss of the last full epoch; None when it cannot be compared."""
    if not epochs:
        return None
    index = measure.digit_index(data_dir, "train")
    pairs = [(b.loss, _rows(b.ids, index)) for b in epochs[-1].train if b.loss is not None]
    pairs = [(loss, rows) for loss, rows in pairs if rows is not None and len(rows) > 1]
    if not pairs:
        return None
    again = measure.train_mode_losses(model, [rows for _, rows in pairs], data_dir)
    return float(np.mean([loss for loss, _ in pairs])), float(np.mean(again))


def losses_agree(epochs: list[Epoch], model: nn.Module, data_dir: Path) -> tuple[Line | None, Problem | None]:
    """The logged last-epoch training loss against the handed-in weights' on the same digits."""
    found = last_losses(epochs, model, data_dir)
    if found is None:
        return None, Problem(Line("в записи нет потерь последней эпохи на данных цифрах обучения",
                                  "the record holds no losses of the last epoch on the given training "
                                  "digits"),
                             RERUN)
    logged, again = found
    line = Line(f"потеря последней эпохи: записано {logged:.3f}, на сданных весах {again:.3f}",
                f"last epoch's training loss: logged {logged:.3f}, from the handed-in weights {again:.3f}")
    gap = threshold("max_loss_gap")
    if abs(logged - again) > gap:
        return line, Problem(Line(f"сданные веса не дают записанных потерь обучения (разница "
                                  f"{abs(logged - again):.2f} > {gap})",
                                  f"the handed-in weights do not give the logged training losses (off by "
                                  f"{abs(logged - again):.2f} > {gap})"), RERUN)
    return line, None


def val_agrees(epochs: list[Epoch], model: nn.Module, data_dir: Path) -> tuple[Line | None, Problem | None]:
    """The last epoch's logged val accuracy against the handed-in weights' on those val digits."""
    val = epochs[-1].val if epochs else ()
    if not val:
        return None, None
    index = measure.digit_index(data_dir, "val")
    images, labels = measure.split(data_dir, "val")
    rows = [index.get(i) for b in val for i in b.ids]
    logged = [(b.acc, len(b.labels)) for b in val if b.acc is not None]
    size = sum(n for _, n in logged)
    if not rows or None in rows or not size:
        return None, Problem(Line("проверка на валидации в записи — не на данных цифрах mnist_val",
                                  "the validation in the record did not run on the given val digits"), RERUN)
    claimed = sum(acc * n for acc, n in logged) / size
    measured = measure.accuracy_on(model, images[rows], labels[rows])
    line = Line(f"accuracy на валидации в последней эпохе: записано {claimed:.3f}, на сданных весах "
                f"{measured:.3f}", f"last epoch's val accuracy: logged {claimed:.3f}, from the handed-in "
                f"weights {measured:.3f}")
    gap = threshold("max_val_accuracy_gap")
    if abs(claimed - measured) > gap:
        return line, Problem(Line("сданные веса не дают записанной accuracy на валидации",
                                  "the handed-in weights do not give the logged val accuracy"), RERUN)
    return line, None


def not_fit_to_val(model: nn.Module, data_dir: Path, held_back: float) -> tuple[Line, Problem | None]:
    """The weights do as well on held-back digits as on the kernel's val digits: a network trained on the
    val digits knows them far better than digits it never saw."""
    images, labels = measure.split(data_dir, "val")
    val = measure.accuracy_on(model, images, labels)
    line = Line(f"accuracy на mnist_val {val:.3f}, на отложенных цифрах {held_back:.3f}",
                f"accuracy on mnist_val {val:.3f}, on the held-back digits {held_back:.3f}")
    gap = threshold("max_val_held_back_gap")
    if val - held_back > gap:
        return line, Problem(Line(f"сеть знает цифры mnist_val намного лучше новых ({val:.3f} против "
                                  f"{held_back:.3f}): её обучали на валидации",
                                  f"the network knows the mnist_val digits far better than new ones "
                                  f"({val:.3f} against {held_back:.3f}): it was trained on the validation "
                                  "digits"),
                             Line("обучайте на mnist_train; mnist_val только для проверки",
                                  "train on mnist_train; mnist_val is for validation only"))
    return line, None


def _decays(groups: Groups) -> tuple[float, ...]:
    return tuple(g.get("weight_decay", 0.0) for g in groups if g.get("n_params", 1) > 0)


def optimizer_steady(evidence: Evidence) -> Problem | None:
    """The weight decay of trainer.optimizer at the start and the end of the run, and of every optimizer
    that stepped at its first and last step, did not change (a learning-rate schedule may change lr)."""
    pairs = [(evidence.optimizer_start, evidence.optimizer_groups)]
    pairs += [(s.first, s.last) for s in evidence.stepped]
    for before, after in pairs:
        if _decays(before) != _decays(after):
            return Problem(Line(f"weight_decay оптимизатора менялся во время обучения ({_decays(before)} -> "
                                f"{_decays(after)}): запись не соответствует обучению",
                                f"the optimizer's weight_decay changed during the run ({_decays(before)} -> "
                                f"{_decays(after)}): the record does not match the training"),
                           Line("задайте параметры оптимизатора до обучения и не меняйте их",
                                "set the optimizer's settings before training and leave them"))
    return None


def all_decays(evidence: Evidence) -> list[float]:
    """Every weight decay the record holds: trainer.optimizer at start and end, each that stepped."""
    groups = [evidence.optimizer_start, evidence.optimizer_groups]
    groups += [g for s in evidence.stepped for g in (s.first, s.last)]
    return [d for g in groups for d in _decays(g)]


def not_released(model: nn.Module, model_file: Path) -> tuple[Line, Problem | None]:
    """A fresh-model task: the weights must not be a released model's. Measured as the distance to the
    released weights over the distance moved from their common init (the notebooks seed the init the
    released model was trained from, so a network trained from scratch is close to it in direction)."""
    ratio = measure.released_displacement(model, model_file, set()) if model_file.is_file() else float("inf")
    line = Line(f"удалённость весов от выпущенной pretrained_model.pt: {ratio:.2f} (0 — те же веса)",
                f"distance of the weights from the released pretrained_model.pt: {ratio:.2f} (0: the same)")
    least = threshold("fresh_min_released_distance")
    if ratio < least:
        return line, Problem(Line(f"веса взяты из выпущенной модели (удалённость {ratio:.2f} < {least}), а "
                                  "задание обучает новую ResNet18()",
                                  f"the weights come from a released model (distance {ratio:.2f} < {least}), "
                                  "while the task trains a fresh ResNet18()"),
                             Line("обучите новую модель ResNet18() в данной ячейке обучения",
                                  "train a fresh ResNet18() in the given training cell"))
    return line, None
