"""Each task's rule for a right fix (README: "What counts as a right fix"), applied to the evidence.

A claim of the kernel counts only where the weights back it up: the verifier evaluates the submitted
weights itself on the grading data, so a batch log or optimizer record that says "fixed" from a model that
did not learn fails.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from nndebug import config
from nndebug.verify import measure, run
from nndebug.verify.evidence import Evidence
from nndebug.verify.verdict import Line, Verdict, failed

if TYPE_CHECKING:
    from nndebug.variants.families import Variant


@dataclass(frozen=True)
class Context:
    """What the verifier knows from the kit's side: the notebook's grading data, the released model (the
    student's variant's), and the student's variant of the task (None: the seed's)."""

    data_dir: Path
    model_file: Path
    variant: Variant | None = None

    @property
    def zeroed(self) -> set[str]:
        """Task 3: the tensors the student's pretrained_model.pt has zeroed."""
        if self.variant is None or self.variant.is_seed:
            return set(config.kit().model.zeroed)
        return set(self.variant.zeroed)


def threshold(name: str) -> float:
    """One number from kit.toml [checks]."""
    return getattr(config.kit().checks, name)


def _accuracy_line(accuracy: float) -> Line:
    return Line(f"accuracy обученной модели на валидации проверки: {accuracy:.3f}",
                f"val accuracy of the trained model on the grading data: {accuracy:.3f}")


def task1(evidence: Evidence, context: Context) -> Verdict:
    """Shuffle: the graded run's training batches mix classes and change order every epoch, and the
    weights learned (the unshuffled bug stays near chance on the grading data)."""
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
                      measured, Line("запустите исправленный trainer в данной ячейке обучения",
                                     "let the given training cell run your fixed trainer"), curves)
    advice = Line("посмотрите, в каком порядке DataLoader обучения отдаёт примеры",
                  "look at the order in which the training DataLoader yields the digits")
    if mixing < threshold("task1_min_mixing"):
        return failed(Line("батчи обучения не перемешаны: в каждом почти один класс",
                           "the training batches are not mixed: each holds almost one class"),
                      measured, advice, curves)
    minimum = threshold("task1_min_accuracy")
    if accuracy < minimum:
        return failed(Line(f"сеть не выучилась (accuracy {accuracy:.3f} < {minimum})",
                           f"the network did not learn (accuracy {accuracy:.3f} < {minimum})"),
                      measured, advice, curves)
    if not reshuffled:
        return Verdict(threshold("task1_share_fixed_order"),
                       Line("батчи перемешаны, но порядок один и тот же в каждой эпохе",
                            "the batches are mixed, but every epoch repeats the same order"), measured,
                       Line("данные нужно перемешивать заново каждую эпоху (shuffle=True)",
                            "reshuffle the data every epoch (shuffle=True)"), curves)
    return Verdict(1.0, None, measured, None, curves)


def task2(evidence: Evidence, context: Context) -> Verdict:
    """Optimizer: weight decay brought to a usual size in every parameter group (the cause removed), and
    weights that learned without collapsing towards zero (what the weights back up)."""
    size = measure.train_size(context.data_dir)
    curves = run.curves(run.full_epochs(run.epochs(evidence.batches, size), size))
    model = measure.model_from(evidence.weights)
    accuracy, ratio = measure.accuracy(model, context.data_dir), measure.weight_norm_ratio(model)
    groups = [g for g in evidence.optimizer_groups if g.get("n_params", 1) > 0]
    decay = max((g.get("weight_decay", 0.0) for g in groups), default=float("nan"))
    lr = max((g.get("lr", 0.0) for g in groups), default=float("nan"))
    measured = (
        Line(f"оптимизатор: {evidence.optimizer_class}, lr {lr:g}, weight_decay {decay:g}",
             f"optimizer: {evidence.optimizer_class}, lr {lr:g}, weight_decay {decay:g}"),
        _accuracy_line(accuracy),
        Line(f"норма весов после обучения: {ratio:.2f} от нормы свежей модели",
             f"weight norm after training: {ratio:.2f} of a fresh model's"),
    )
    advice = Line("посмотрите на параметры оптимизатора: что каждый шаг делает с весами",
                  "look at the optimizer's settings: what every step does to the weights")
    maximum = threshold("task2_max_weight_decay")
    if not groups or not decay <= maximum:
        return failed(Line(f"weight decay {decay:g} больше обычного (не больше {maximum:g}): "
                           "причина не устранена",
                           f"weight decay {decay:g} is above a usual size (at most {maximum:g}): "
                           "the cause is still there"), measured, advice, curves)
    least = threshold("task2_min_weight_norm_ratio")
    if ratio < least:
        return failed(Line(f"веса стянуты к нулю ({ratio:.2f} < {least} от начальной нормы)",
                           f"the weights collapsed towards zero ({ratio:.2f} < {least} of the initial norm)"),
                      measured, advice, curves)
    minimum = threshold("task2_min_accuracy")
    if accuracy < minimum:
        return failed(Line(f"сеть не выучилась (accuracy {accuracy:.3f} < {minimum})",
                           f"the network did not learn (accuracy {accuracy:.3f} < {minimum})"),
                      measured, advice, curves)
    return Verdict(1.0, None, measured, None, curves)


def task3(evidence: Evidence, context: Context) -> Verdict:
    """Pretrained: no multiplicative tensor left all zero, outputs depend on the input, the released
    pretrained weights still used, and high accuracy after the short fine-tune."""
    size = measure.train_size(context.data_dir)
    curves = run.curves(run.full_epochs(run.epochs(evidence.batches, size), size))
    model = measure.model_from(evidence.weights)
    dead = measure.dead_tensors(model)
    depends = measure.outputs_depend_on_input(model)
    similarity = measure.pretrained_similarity(model, context.model_file, context.zeroed)
    accuracy = measure.accuracy(model, context.data_dir)
    measured = (
        Line(f"тензоры, равные нулю целиком: {', '.join(dead) or 'нет'}",
             f"tensors that are all zero: {', '.join(dead) or 'none'}"),
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
    minimum = threshold("task3_min_accuracy")
    if accuracy < minimum:
        return failed(Line(f"после дообучения accuracy {accuracy:.3f} < {minimum}",
                           f"after the fine-tune the accuracy is {accuracy:.3f} < {minimum}"),
                      measured, advice, curves)
    return Verdict(1.0, None, measured, None, curves)


RULES = {1: task1, 2: task2, 3: task3}
