"""The verifier (nndebug.verify) in-process: the student's answer is read as untrusted data, each task's rule
judges the cause from the answer and whether the network learns from the kit's replay of it."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from fix_variants import FIXES
from graded_run import reference_fix, verdict

from nndebug import config
from nndebug.verify import fixes, measure
from nndebug.verify.answer import Answer, Group
from nndebug.verify.evidence import BadEvidence


def answer(**fields) -> Answer:
    values = {"stopped": True, "error": "", "start": None, "optimizer_class": "torch.optim.sgd.SGD",
              "groups": (), "loader": {"kind": "none"}}
    values.update(fields)
    return Answer(**values)


def test_weights_that_do_not_fit_the_given_model_are_refused() -> None:
    state = measure.fresh_model().state_dict()
    state.pop("net.bn1.weight")
    with pytest.raises(BadEvidence, match="missing: net.bn1.weight"):
        measure.model_from(state)
    state = measure.fresh_model().state_dict()
    state["net.fc.weight"] = torch.zeros(3, 3)
    with pytest.raises(BadEvidence, match="shape"):
        measure.model_from(state)


def test_a_batchnorm_taken_out_whole_is_an_identity_a_part_missing_is_refused() -> None:
    state = {k: v for k, v in measure.fresh_model().state_dict().items() if not k.startswith("net.bn1.")}
    model = measure.model_from(state)
    assert model.removed_norms_ == ["net.bn1"] and isinstance(model.net.bn1, torch.nn.Identity)
    state = measure.fresh_model().state_dict()
    state.pop("net.layer1.0.bn1.weight")
    with pytest.raises(BadEvidence, match="missing: net.layer1.0.bn1.weight"):
        measure.model_from(state)


def test_task2_rule_follows_the_cause_not_the_step_count() -> None:
    """A weight decay over the limit fails whatever the learning rate, before any replay; the limit comes from
    kit.toml, and every parameter group counts."""
    context = fixes.Context(config.grading_data(config.notebook(2)), config.MODEL_FILE)
    names = tuple(n for n, _ in measure.fresh_model().named_parameters())
    for groups in ((Group({"lr": 0.003, "weight_decay": 0.9}, names),),
                   (Group({"lr": 0.1, "weight_decay": 0.0}, names[:10]),
                    Group({"lr": 0.1, "weight_decay": 0.9}, names[10:]))):
        result = fixes.task2(answer(groups=groups), context)
        assert result.fraction == 0 and "weight decay 0.9" in result.reason.en


def test_a_training_that_never_stepped_or_crashed_scores_zero_with_the_reason() -> None:
    for task in config.TASKS:
        context = fixes.Context(config.grading_data(config.notebook(task)), config.MODEL_FILE)
        crashed = fixes.RULES[task](answer(stopped=False, error="NameError: name 'x' is not defined"),
                                    context)
        assert crashed.fraction == 0 and "crashed: NameError" in crashed.reason.en
        idle = fixes.RULES[task](answer(stopped=False), context)
        assert idle.fraction == 0 and "single optimizer step" in idle.reason.en


def test_an_order_that_cannot_be_replayed_goes_to_a_person() -> None:
    context = fixes.Context(config.grading_data(config.notebook(1)), config.MODEL_FILE)
    result = fixes.task1(answer(loader={"kind": "DataLoader", "dataset_kind": "iterable"}), context)
    assert result.fraction == 0 and result.routed is not None and "stream" in result.routed.en


def test_a_variant_whose_cause_the_replay_does_not_reach_goes_to_a_person() -> None:
    context = fixes.Context(config.grading_data(config.notebook(2)), config.MODEL_FILE, replayable=False)
    names = tuple(n for n, _ in measure.fresh_model().named_parameters())
    result = fixes.task2(answer(groups=(Group({"lr": 0.01, "weight_decay": 0.0}, names),)), context)
    assert result.fraction == 0 and result.routed is not None


def test_task3_start_weights_from_the_seeded_init_are_not_the_pretrained_ones(pretrained_model) -> None:
    """Training from scratch with the notebooks' seed starts where the released model started: its distance
    to the released weights is the whole training path (1), the repaired released weights' about 0."""
    context = fixes.Context(config.grading_data(config.notebook(3)), config.MODEL_FILE)
    scratch = {k: v.clone() for k, v in measure.fresh_model(config.kit().model.seed).state_dict().items()}
    result = fixes.task3(answer(start=scratch), context)
    assert result.fraction == 0 and "pretrained weights are not used" in result.reason.en
    released = torch.load(config.MODEL_FILE, weights_only=True)
    assert measure.pretrained_kept(measure.model_from(released), config.MODEL_FILE, context.zeroed) < 0.01


# Each task's bug left in place, as a fix cell would leave it.
BUGS = {1: next(f for f in FIXES[1] if f.name == "unchanged").code,
        2: "model = ResNet18()\nopt = optim.SGD(model.parameters(), lr=10e-2, weight_decay=9e-1)\n"
           "trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train, val_dataset=mnist_val, "
           "tboard_log_dir='./tb')",
        3: next(f for f in FIXES[3] if f.name == "unchanged").code}


@pytest.mark.slow
@pytest.mark.parametrize("task", config.TASKS)
def test_the_given_bug_fails_and_the_reference_fix_passes(task: int, tmp_path: Path) -> None:
    bug = BUGS[task]
    assert verdict(task, bug, tmp_path / "bug").fraction == 0
    assert verdict(task, reference_fix(task), tmp_path / "ref").fraction == 1


def test_a_training_that_ran_without_a_torch_optimizer_goes_to_a_person() -> None:
    """An update of the student's own (``p.data -= lr * p.grad``) steps no torch optimizer: not replayable."""
    context = fixes.Context(config.grading_data(config.notebook(2)), config.MODEL_FILE)
    start = {k: v.clone() for k, v in measure.fresh_model().state_dict().items()}
    result = fixes.task2(answer(stopped=False, start=start), context)
    assert result.fraction == 0 and result.routed is not None and "no torch.optim" in result.routed.en
