"""Each task's rule for a right fix (README: "What counts as a right fix"), applied to the evidence.

The cause is judged first (from the record and the weights), then the record is checked against the
handed-in weights (:mod:`nndebug.verify.record_checks`), then whether the network learned: the verifier
measures the weights itself on held-back digits the kernel never saw, against this grading run's own levels
(chance, and the kit's reference fix on the same digits).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch import nn

from nndebug import config
from nndebug.verify import measure, record_checks, run
from nndebug.verify.evidence import Evidence
from nndebug.verify.record_checks import Problem, threshold
from nndebug.verify.verdict import Line, Verdict, failed

__all__ = ["RULES", "CauseRule", "Context", "threshold"]

# (the rubric's verdict, the answer) -> the verdict with the student's variant's cause point folded in
CauseRule = Callable[[Any, str], Any]


@dataclass(frozen=True)
class Context:
    """What the verifier knows from the kit's side: the notebook's grading data (the held-back digits lie
    beside it), the released model (the student's variant's), the reference fix's accuracy on the held-back
    digits when known and, with per-student variants, what the student's variant changes: the tensors its
    model zeroes and the rubric point for naming its cause (None: the seed's)."""

    data_dir: Path
    model_file: Path
    reference_level: float | None = None
    variant_zeroed: tuple[str, ...] | None = None
    cause: CauseRule | None = None

    @property
    def zeroed(self) -> set[str]:
        """Task 3: the tensors the student's pretrained_model.pt has zeroed."""
        return set(config.kit().model.zeroed if self.variant_zeroed is None else self.variant_zeroed)


def _accuracy_line(accuracy: float) -> Line:
    return Line(f"accuracy обученной модели на отложенных цифрах проверки: {accuracy:.3f}",
                f"accuracy of the trained model on held-back grading digits: {accuracy:.3f}")


def learned_minimum(task: int, context: Context) -> tuple[float, Line]:
    """The accuracy that counts as "learned" on this grading run: ``learned_share`` of the way from chance to
    the reference fix on the same digits; kit.toml's absolute taskN_min_accuracy when the reference is not
    known."""
    level = measure.chance(context.data_dir)
    ref = context.reference_level
    if ref is None or ref <= level:
        minimum = threshold(f"task{task}_min_accuracy")
        return minimum, Line(f"порог обучения: {minimum:.3f}", f"the bar for learned: {minimum:.3f}")
    minimum = level + threshold("learned_share") * (ref - level)
    return minimum, Line(f"порог обучения {minimum:.3f}: между случайным уровнем {level:.3f} и эталонным "
                         f"исправлением {ref:.3f} на тех же цифрах",
                         f"the bar for learned {minimum:.3f}: between chance {level:.3f} and the reference "
                         f"fix {ref:.3f} on the same digits")


def _from(problem: Problem, measured: tuple[Line, ...], curves: dict) -> Verdict:
    return failed(problem.reason, measured, problem.advice, curves)


def _record(evidence: Evidence, epochs: list[run.Epoch], model: nn.Module, context: Context,
            fresh: bool, accuracy: float) -> tuple[tuple[Line, ...], Problem | None]:
    """Lines measured and the first problem of the record checks (training, digits, losses, val, donor)."""
    if not epochs:
        return (), Problem(Line("обучение не записано: ни одной полной эпохи через model.compute_all",
                                "no training recorded: not one full epoch went through model.compute_all"),
                           record_checks.RERUN)
    lines: list[Line] = []
    problem = record_checks.trained_digits(epochs, context.data_dir)
    if fresh and problem is None:
        line, problem = record_checks.not_released(model, context.model_file)
        lines.append(line)
    if problem is None:
        line, problem = record_checks.losses_agree(epochs, model, context.data_dir)
        lines += [line] if line else []
    if problem is None:
        line, problem = record_checks.val_agrees(epochs, model, context.data_dir)
        lines += [line] if line else []
    if problem is None:
        line, problem = record_checks.not_fit_to_val(model, context.data_dir, accuracy)
        lines.append(line)
    return tuple(lines), problem


def _learned(task: int, accuracy: float, context: Context, measured: tuple[Line, ...], advice: Line,
             curves: dict) -> Verdict | None:
    minimum, bar = learned_minimum(task, context)
    if accuracy < minimum:
        return failed(Line(f"сеть не выучилась (accuracy {accuracy:.3f} < {minimum:.3f})",
                           f"the network did not learn (accuracy {accuracy:.3f} < {minimum:.3f})"),
                      (*measured, bar), advice, curves)
    return None


def task1(evidence: Evidence, context: Context) -> Verdict:
    """Shuffle: the graded run's training batches mix classes and change order every epoch, the record
    matches the weights, and the weights learned (the unshuffled bug stays near chance)."""
    size = measure.train_size(context.data_dir)
    epochs = run.full_epochs(run.epochs(evidence.batches, size), size)
    curves = run.curves(epochs)
    model = measure.model_from(evidence.weights)
    accuracy = measure.accuracy(model, context.data_dir)
    mixing, per_batch, reshuffled = run.mixing(epochs), run.classes_per_batch(epochs), run.reshuffled(epochs)
    measured = (
        Line(f"полных эпох обучения записано: {len(epochs)}",
             f"full training epochs recorded: {len(epochs)}"),
        Line(f"классов в батче обучения в среднем: {per_batch:.1f} из 10",
             f"classes in a training batch on average: {per_batch:.1f} of 10"),
        Line("порядок примеров менялся от эпохи к эпохе" if reshuffled
             else "порядок примеров во всех эпохах один",
             "the order changed from epoch to epoch" if reshuffled else "every epoch had the same order"),
        _accuracy_line(accuracy),
    )
    if len(epochs) < 2:
        return failed(Line("обучение не записано: меньше двух полных эпох через model.compute_all",
                           "no training recorded: fewer than two full epochs went through model.compute_all"),
                      measured, record_checks.RERUN, curves)
    advice = Line("посмотрите, в каком порядке DataLoader обучения отдаёт примеры",
                  "look at the order in which the training DataLoader yields the digits")
    if mixing < threshold("task1_min_mixing"):
        return failed(Line("батчи обучения не перемешаны: в каждом почти один класс",
                           "the training batches are not mixed: each holds almost one class"),
                      measured, advice, curves)
    lines, problem = _record(evidence, epochs, model, context, fresh=True, accuracy=accuracy)
    measured += lines
    if problem:
        return _from(problem, measured, curves)
    not_learned = _learned(1, accuracy, context, measured, advice, curves)
    if not_learned:
        return not_learned
    if not reshuffled:
        return Verdict(threshold("task1_share_fixed_order"),
                       Line("батчи перемешаны, но порядок один и тот же в каждой эпохе",
                            "the batches are mixed, but every epoch repeats the same order"), measured,
                       Line("данные нужно перемешивать заново каждую эпоху (shuffle=True)",
                            "reshuffle the data every epoch (shuffle=True)"), curves)
    return Verdict(1.0, None, measured, None, curves)


def task2(evidence: Evidence, context: Context) -> Verdict:
    """Optimizer: weight decay brought to a usual size in every parameter group of every optimizer that
    stepped (the cause removed), the record matching the weights, and weights that learned without
    collapsing towards zero."""
    size = measure.train_size(context.data_dir)
    epochs = run.full_epochs(run.epochs(evidence.batches, size), size)
    curves = run.curves(epochs)
    model = measure.model_from(evidence.weights)
    accuracy, ratio = measure.accuracy(model, context.data_dir), measure.weight_norm_ratio(model)
    decays = record_checks.all_decays(evidence)
    decay = max(decays, default=float("nan"))
    lrs = [g.get("lr", 0.0) for s in evidence.stepped for g in s.first] or \
        [g.get("lr", 0.0) for g in evidence.optimizer_groups]
    lr = max(lrs, default=float("nan"))
    name = evidence.stepped[0].optimizer_class if evidence.stepped else evidence.optimizer_class
    measured = (
        Line(f"оптимизатор: {name}, lr {lr:g}, weight_decay {decay:g}",
             f"optimizer: {name}, lr {lr:g}, weight_decay {decay:g}"),
        _accuracy_line(accuracy),
        Line(f"норма весов после обучения: {ratio:.2f} от нормы свежей модели",
             f"weight norm after training: {ratio:.2f} of a fresh model's"),
    )
    advice = Line("посмотрите на параметры оптимизатора: что каждый шаг делает с весами",
                  "look at the optimizer's settings: what every step does to the weights")
    maximum = threshold("task2_max_weight_decay")
    if not decays or not decay <= maximum:
        return failed(Line(f"weight decay {decay:g} больше обычного (не больше {maximum:g}): "
                           "причина не устранена",
                           f"weight decay {decay:g} is above a usual size (at most {maximum:g}): "
                           "the cause is still there"), measured, advice, curves)
    if not evidence.stepped:
        return failed(Line("за обучение не записано ни одного шага оптимизатора",
                           "no optimizer step was recorded during the training"),
                      measured, record_checks.RERUN, curves)
    steady = record_checks.optimizer_steady(evidence)
    if steady:
        return _from(steady, measured, curves)
    # Collapsed weights first: a decay left elsewhere (a penalty in the loss) also makes the logged losses
    # disagree with the weights, and the collapse is the truer reason.
    least = threshold("task2_min_weight_norm_ratio")
    if ratio < least:
        return failed(Line(f"веса стянуты к нулю ({ratio:.2f} < {least} от начальной нормы)",
                           f"the weights collapsed towards zero ({ratio:.2f} < {least} of the initial norm)"),
                      measured, advice, curves)
    lines, problem = _record(evidence, epochs, model, context, fresh=True, accuracy=accuracy)
    measured += lines
    if problem:
        return _from(problem, measured, curves)
    passed = Verdict(1.0, None, measured, None, curves)
    return _learned(2, accuracy, context, measured, advice, curves) or passed


def task3(evidence: Evidence, context: Context) -> Verdict:
    """Pretrained: no multiplicative tensor left all zero (or the zeroed layer taken out), outputs depend on
    the input, the released pretrained weights still used, the record matching the weights, and a network
    that learned in the short fine-tune."""
    size = measure.train_size(context.data_dir)
    epochs = run.full_epochs(run.epochs(evidence.batches, size), size)
    curves = run.curves(epochs)
    model = measure.model_from(evidence.weights)
    dead = measure.dead_tensors(model)
    depends = measure.outputs_depend_on_input(model)
    similarity = measure.pretrained_similarity(model, context.model_file, context.zeroed)
    accuracy = measure.accuracy(model, context.data_dir)
    removed = getattr(model, "removed_norms_", [])
    measured = (
        Line(f"тензоры, равные нулю целиком: {', '.join(dead) or 'нет'}",
             f"tensors that are all zero: {', '.join(dead) or 'none'}"),
        *((Line(f"слои BatchNorm, заменённые тождественным: {', '.join(removed)}",
                f"BatchNorm layers replaced by an identity: {', '.join(removed)}"),) if removed else ()),
        Line("выход модели зависит от входа" if depends else "выход модели одинаков для любого входа",
             "the output depends on the input" if depends else "the output is the same for every input"),
        Line(f"сходство весов с pretrained_model.pt: {similarity:.2f}",
             f"similarity of the weights to pretrained_model.pt: {similarity:.2f}"),
        _accuracy_line(accuracy),
    )
    advice = Line("сравните тензоры state_dict из pretrained_model.pt со свежей моделью",
                  "compare the tensors of pretrained_model.pt's state_dict with a fresh model's")
    if dead or not depends:
        return failed(Line("в модели остались нулевые веса, и сигнал через них не проходит",
                           "some weights are still all zero, and no signal passes through them"),
                      measured, advice, curves)
    least = threshold("task3_min_pretrained_similarity")
    if similarity < least:
        return failed(Line(f"предобученные веса не используются (сходство {similarity:.2f} < {least})",
                           f"the pretrained weights are not used (similarity {similarity:.2f} < {least})"),
                      measured, Line("исправьте испорченные тензоры, сохранив остальные предобученные веса",
                                     "repair the broken tensors and keep the other pretrained weights"),
                      curves)
    lines, problem = _record(evidence, epochs, model, context, fresh=False, accuracy=accuracy)
    measured += lines
    if problem:
        return _from(problem, measured, curves)
    passed = Verdict(1.0, None, measured, None, curves)
    return _learned(3, accuracy, context, measured, advice, curves) or passed


RULES = {1: task1, 2: task2, 3: task3}
