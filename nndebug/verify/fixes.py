"""Each task's rule for a right fix (docs/grading.md: "What counts as a right fix"), applied to the student's
answer (:mod:`nndebug.verify.answer`) and to the kit's own replay of it (:mod:`nndebug.verify.replay`).

The cause is judged from the answer as data (the order the loader deals, the optimizer's settings, the start
weights); whether the network learns is the replay's outcome on held-back digits no kernel can read, against
this grading run's own levels (chance, and the kit's replay of the reference fix on the same digits). An
answer that cannot be replayed from data goes to a person (:func:`nndebug.verify.verdict.routed`), never to
full marks.
"""
from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from nndebug import config
from nndebug.verify import measure, order, replay
from nndebug.verify.answer import Answer
from nndebug.verify.evidence import BadEvidence
from nndebug.verify.order import NotReplayable
from nndebug.verify.verdict import Line, Verdict, failed, routed

__all__ = ["RULES", "CauseRule", "Context", "threshold"]

# (the rubric's verdict, the answer) -> the verdict with the student's variant's cause point folded in
CauseRule = Callable[[Any, str], Any]


# Where a failed fix should look, by task (a student's variant brings its own: Context.advice).
ADVICE = {
    1: Line("посмотрите, в каком порядке DataLoader обучения отдаёт примеры",
            "look at the order in which the training DataLoader yields the digits"),
    2: Line("посмотрите, что каждый шаг обучения делает с весами (оптимизатор, лосс, тренер)",
            "look at what every training step does to the weights (optimizer, loss, trainer)"),
    3: Line("сравните тензоры state_dict из pretrained_model.pt со свежей моделью",
            "compare the tensors of pretrained_model.pt's state_dict with a fresh model's"),
}


@dataclass(frozen=True)
class Context:
    """What the verifier knows from the kit's side: the notebook's grading data (the held-back digits lie
    beside it), the released model (the student's variant's), the reference fix's accuracy on the held-back
    digits when known and, with per-student variants, what the student's variant changes: the tensors its
    model zeroes, the rubric point for naming its cause (None: the seed's) and the English of the point
    names it adds, whether an answer as data reaches its cause, and where a failed fix should look (None:
    the task's own advice)."""

    data_dir: Path
    model_file: Path
    reference_level: float | None = None
    variant_zeroed: tuple[str, ...] | None = None
    cause: CauseRule | None = None
    replayable: bool = True     # False: the variant's cause lies where no answer as data reaches it
    names_en: Mapping[str, str] = field(default_factory=dict)
    advice: Line | None = None

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


def threshold(name: str) -> float:
    """One number from kit.toml [checks]."""
    return getattr(config.kit().checks, name)


def epochs(task: int) -> int:
    """The given number of epochs of the task's graded run (kit.toml [tasks.N] epochs)."""
    return config.kit().tasks[task].epochs


def _learned(task: int, accuracy: float, context: Context, measured: tuple[Line, ...], advice: Line,
             curves: dict) -> Verdict | None:
    minimum, bar = learned_minimum(task, context)
    if not accuracy >= minimum:
        return failed(Line(f"сеть не выучилась (accuracy {accuracy:.3f} < {minimum:.3f})",
                           f"the network did not learn (accuracy {accuracy:.3f} < {minimum:.3f})"),
                      (*measured, bar), advice, curves)
    return None


def _replayed(result: replay.Replay) -> Line:
    return Line("кит заново обучил сеть с вашим исправлением своим кодом; accuracy на отложенных цифрах "
                f"проверки: {result.accuracy:.3f}",
                "the kit trained the network again with your fix, by its own code; accuracy on held-back "
                f"grading digits: {result.accuracy:.3f}")


def _curves(run: Callable[[], replay.Replay]) -> dict[str, list[float]]:
    """The replay's curves of an answer whose cause is still there, for the feedback's plot only (the verdict
    is 0 already): none unless kit.toml [grading] ``replay_wrong_fixes``, and none when it cannot be
    replayed."""
    if not config.kit().grading.replay_wrong_fixes:
        return {}
    try:
        return run().curves
    except Exception:  # noqa: BLE001 - a plot is not worth a verdict
        return {}


def _after(result: replay.Replay, verdict: Verdict) -> Verdict:
    return dataclasses.replace(verdict, accuracy=result.accuracy)


def started(answer: Answer) -> Verdict | None:
    """A verdict when the training never reached its first optimizer step, or its answer could not be
    read."""
    if "watching:" in answer.error:
        return routed(Line(f"ответ не удалось прочитать из обучения ({answer.error})",
                           f"the answer could not be read from the training ({answer.error})"))
    if answer.error and not answer.stopped:
        return failed(Line(f"обучение упало с ошибкой: {answer.error}",
                           f"the training crashed: {answer.error}"),
                      advice=Line("запустите тетрадку сверху вниз и исправьте ошибку",
                                  "run the notebook top to bottom and fix the error"))
    if not answer.stopped and answer.start is not None:
        return routed(Line("сеть считалась, но ни один оптимизатор torch.optim не сделал шага (свой шаг "
                           "обучения нельзя воспроизвести по данным)", "the network ran, but no torch.optim "
                           "optimizer stepped (an update of your own cannot be replayed from data)"))
    if not answer.stopped:
        return failed(Line("обучение не сделало ни одного шага оптимизатора",
                           "the training did not make a single optimizer step"),
                      advice=Line("ячейка после исправления запускает trainer.train: он должен обучать",
                                  "the cell after the fix runs trainer.train: it must train"))
    return None


def _not_replayable(err: Exception, measured: tuple[Line, ...] = ()) -> Verdict:
    return routed(Line(f"исправление нельзя воспроизвести по данным ({err})",
                       f"the fix cannot be replayed from data ({err})"), measured)


def _several_optimizers(answer: Answer, which_ru: str, which_en: str,
                        measured: tuple[Line, ...] = ()) -> Verdict:
    """More than one optimizer stepped while watched: which one ``which`` cannot be told from data."""
    count = len(answer.stepped)
    return routed(Line(f"в обучении шагали {count} оптимизатора: какой из них {which_ru}, по данным не "
                       "решить", f"{count} optimizers stepped in the training: which one {which_en} cannot "
                       "be told from data"), measured)


def task1(answer: Answer, context: Context) -> Verdict:
    """Shuffle: the order the student's loader deals mixes classes in every batch and changes every epoch,
    covers the given training digits, and a network the kit trains in that order learns."""
    early = started(answer)
    if early:
        return early
    if len(answer.stepped) > 1:
        return _several_optimizers(answer, "обучает сеть на ответе", "trains on the answer")
    try:
        dealt = order.replay(answer, context.data_dir, epochs(1))
    except NotReplayable as err:
        return _not_replayable(err)
    _, labels = measure.split(context.data_dir, "train")
    mixing, per_batch = order.mixing(dealt, labels)
    reshuffled = order.reshuffled(dealt)
    measured = (
        Line(f"классов в батче обучения в среднем: {per_batch:.1f} из 10",
             f"classes in a training batch on average: {per_batch:.1f} of 10"),
        Line("порядок примеров меняется от эпохи к эпохе" if reshuffled
             else "порядок примеров во всех эпохах один",
             "the order changes from epoch to epoch" if reshuffled else "every epoch has the same order"),
        Line(f"обучение видит {dealt.coverage:.0%} данных цифр обучения",
             f"the training sees {dealt.coverage:.0%} of the given training digits"),
    )
    advice = context.advice or ADVICE[1]
    if dealt.coverage < threshold("min_training_digits"):
        return failed(Line("обучение видит не все данные цифры обучения",
                           "the training does not see the given training digits"), measured, advice)
    if mixing < threshold("task1_min_mixing"):
        return failed(Line("батчи обучения не перемешаны: в каждом почти один класс",
                           "the training batches are not mixed: each holds almost one class"),
                      measured, advice, _curves(lambda: replay.task1(dealt, context.data_dir)))
    result = replay.task1(dealt, context.data_dir)
    measured += (_replayed(result),)
    not_learned = _learned(1, result.accuracy, context, measured, advice, result.curves)
    if not_learned:
        return _after(result, not_learned)
    if not reshuffled:
        return _after(result, Verdict(threshold("task1_share_fixed_order"),
                                      Line("батчи перемешаны, но порядок один и тот же в каждой эпохе",
                                           "the batches are mixed, but every epoch repeats the same order"),
                                      measured, Line("данные нужно перемешивать заново каждую эпоху "
                                                     "(shuffle=True)", "reshuffle the data every epoch "
                                                     "(shuffle=True)"), result.curves))
    return _after(result, Verdict(1.0, None, measured, None, result.curves))


def task2(answer: Answer, context: Context) -> Verdict:
    """Optimizer: weight decay brought to a usual size in every parameter group of the optimizer that
    stepped (the cause removed), and a network the kit trains with that optimizer learns without its weights
    collapsing towards zero."""
    early = started(answer)
    if early:
        return early
    if not answer.groups:
        return failed(Line("не записано, какой оптимизатор сделал шаг", "no optimizer step was recorded"))
    # Every optimizer that stepped while watched, at its first and last step: a decay put back later counts.
    decays = [g.number("weight_decay") for g in answer.groups] + [
        g.number("weight_decay") for s in answer.stepped for g in (*s.first, *s.last)]
    decay = max(decays)
    lr = max(g.number("lr") for g in answer.groups)
    name = answer.optimizer_class.rpartition(".")[2]
    measured = (Line(f"оптимизатор: {name}, lr {lr:g}, weight_decay {decay:g}",
                     f"optimizer: {name}, lr {lr:g}, weight_decay {decay:g}"),)
    advice = context.advice or ADVICE[2]
    maximum = threshold("task2_max_weight_decay")
    if not all(d <= maximum for d in decays):
        return failed(Line(f"weight decay {decay:g} больше обычного (не больше {maximum:g}): "
                           "причина не устранена",
                           f"weight decay {decay:g} is above a usual size (at most {maximum:g}): "
                           "the cause is still there"), measured, advice,
                      _curves(lambda: replay.task2(answer, context.data_dir, epochs(2))))
    if len(answer.stepped) > 1:
        return _several_optimizers(answer, "ответ", "is the answer", measured)
    if not context.replayable:
        return routed(Line("в вашем варианте причина не в настройках оптимизатора, и по ним исправление "
                           "не проверить", "in your variant the cause is not in the optimizer's settings, "
                           "so they cannot tell the fix"), measured)
    try:
        result = replay.task2(answer, context.data_dir, epochs(2))
    except NotReplayable as err:
        return _not_replayable(err, measured)
    measured += (_replayed(result),
                 Line(f"норма весов после обучения: {result.weight_ratio:.2f} от нормы свежей модели",
                      f"weight norm after training: {result.weight_ratio:.2f} of a fresh model's"))
    least = threshold("task2_min_weight_norm_ratio")
    if result.weight_ratio < least:
        collapsed = Line(f"веса стянуты к нулю ({result.weight_ratio:.2f} < {least} от начальной нормы)",
                         f"the weights collapsed towards zero ({result.weight_ratio:.2f} < {least} of the "
                         "initial norm)")
        return _after(result, failed(collapsed, measured, advice, result.curves))
    passed = Verdict(1.0, None, measured, None, result.curves)
    return _after(result, _learned(2, result.accuracy, context, measured, advice, result.curves) or passed)


def start_weights(answer: Answer) -> dict[str, torch.Tensor]:
    """The start weights named as the kit's ``ResNet18`` names them (a capture of its ``net`` gains the
    prefix)."""
    start = answer.start or {}
    if start and not any(k.startswith("net.") for k in start):
        start = {f"net.{k}": v for k, v in start.items()}
    return start


def _other_modules(structure: tuple[tuple[str, str], ...], model: torch.nn.Module) -> str:
    """Where the trained network's modules (name, class) differ from the kit's ``model`` holding its
    weights ("": nowhere, or not recorded); a network captured without its wrapper gains the prefix."""
    if not structure:
        return ""
    theirs = dict(structure)
    if not any(name == "net" or name.startswith("net.") for name in theirs):
        theirs = {("net." + name).rstrip("."): cls for name, cls in theirs.items()}
    ours = {name: type(m).__name__ for name, m in model.named_modules()}
    names = sorted((set(theirs) ^ set(ours)) - {""}) + sorted(
        n for n in set(theirs) & set(ours) - {"", "net"} if theirs[n] != ours[n])
    return ", ".join(f"{n}: {theirs.get(n, '-')}" for n in names[:3])


def task3(answer: Answer, context: Context) -> Verdict:
    """Pretrained: the start weights have no multiplicative tensor left all zero (or the zeroed layer taken
    out), give outputs that depend on the input, are still the released pretrained weights (far nearer to
    them than to the init they were trained from), and the kit's fine-tune of them learns."""
    early = started(answer)
    if early:
        return early
    weights = start_weights(answer)
    try:
        model = measure.model_from(weights)
    except BadEvidence as err:
        return failed(Line(f"начальные веса не подходят к данной ResNet18: {err}",
                           f"the start weights do not fit the given ResNet18: {err}"))
    dead = measure.dead_tensors(model)
    depends = measure.outputs_depend_on_input(model)
    kept = measure.pretrained_kept(model, context.model_file, context.zeroed)
    removed = getattr(model, "removed_norms_", [])
    measured = (
        Line(f"тензоры, равные нулю целиком: {', '.join(dead) or 'нет'}",
             f"tensors that are all zero: {', '.join(dead) or 'none'}"),
        *((Line(f"слои BatchNorm, заменённые тождественным: {', '.join(removed)}",
                f"BatchNorm layers replaced by an identity: {', '.join(removed)}"),) if removed else ()),
        Line("выход модели зависит от входа" if depends else "выход модели одинаков для любого входа",
             "the output depends on the input" if depends else "the output is the same for every input"),
        Line(f"расстояние начальных весов до pretrained_model.pt: {kept:.2f} от пути обучения",
             f"distance of the start weights to pretrained_model.pt: {kept:.2f} of its training path"),
    )
    advice = context.advice or ADVICE[3]
    if dead or not depends:
        return failed(Line("в модели остались нулевые веса, и сигнал через них не проходит",
                           "some weights are still all zero, and no signal passes through them"),
                      measured, advice, _curves(lambda: replay.task3(copy.deepcopy(model), weights,
                                                                     context.data_dir, epochs(3))))
    other = _other_modules(answer.structure, model)
    if other:
        return routed(Line(f"обучаемая сеть устроена не как данная ResNet18 ({other}): kit обучает свою",
                           f"the network trained is not built as the given ResNet18 ({other}): the kit "
                           "trains its own"), measured)
    if answer.end is not None:       # broken again while it trained (the first epoch is watched)
        ended = start_weights(Answer(True, "", answer.end, "", (), {}))
        again = measure.dead_tensors(measure.model_from(ended))
        if again:
            return failed(Line(f"во время обучения веса снова обнулены: {', '.join(again)}",
                               f"the weights are zeroed again during the training: {', '.join(again)}"),
                          measured, advice)
    most = threshold("task3_max_pretrained_distance")
    if not kept <= most:
        return failed(Line(f"предобученные веса не используются (расстояние {kept:.2f} > {most})",
                           f"the pretrained weights are not used (distance {kept:.2f} > {most})"),
                      measured, Line("исправьте испорченные тензоры, сохранив остальные предобученные веса",
                                     "repair the broken tensors and keep the other pretrained weights"))
    result = replay.task3(copy.deepcopy(model), weights, context.data_dir, epochs(3))
    measured += (_replayed(result),)
    passed = Verdict(1.0, None, measured, None, result.curves)
    return _after(result, _learned(3, result.accuracy, context, measured, advice, result.curves) or passed)


RULES = {1: task1, 2: task2, 3: task3}
