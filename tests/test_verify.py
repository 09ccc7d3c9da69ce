"""The verifier (nndebug.verify) in-process: evidence is read as untrusted input, the batch log is cut
into epochs as the trainer ran them, and each task's rule tells right fixes from wrong by the weights."""
from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pytest
import torch
from fix_variants import FIXES
from graded_run import reference_fix, run, verdict

from nndebug import config
from nndebug.kernel.record import RUN_FILE, SCHEMA, WEIGHTS_FILE
from nndebug.verify import evidence, fixes, measure
from nndebug.verify import run as batches
from nndebug.verify.evidence import BadEvidence, Batch


def write_run(folder: Path, **overrides) -> Path:
    sgd = {"class": "SGD", "groups": [{"lr": 0.01, "weight_decay": 0.0, "n_params": 3}]}
    run_record = {"schema": SCHEMA, "installed": True, "error": "", "train_size": 4,
                  "optimizer": sgd, "optimizer_start": sgd,
                  "stepped": [{"first": sgd, "last": sgd, "steps": 2}],
                  "batches": [[True, 1.0, 0.5, [0, 1]], [True, 1.0, 0.5, [2, 3]], [False, 1.0, 0.5, [0]]]}
    run_record.update(overrides)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / RUN_FILE).write_text(json.dumps(run_record))
    torch.save(measure.fresh_model().state_dict(), folder / WEIGHTS_FILE)
    return folder


def test_well_formed_evidence_loads(tmp_path: Path) -> None:
    found = evidence.load(write_run(tmp_path / "ev"))
    assert found.optimizer_class == "SGD" and found.optimizer_groups[0]["weight_decay"] == 0.0
    assert found.batches[0] == Batch(True, 1.0, 0.5, (0, 1)) and "net.fc.weight" in found.weights


@pytest.mark.parametrize("overrides, reason", [
    ({"schema": 99}, "schema"),
    ({"batches": "mixed"}, "batch log"),
    ({"batches": [[True, 1.0, 0.5, [0, 11]]]}, "classes 0-9"),
    ({"batches": [[True, "low", 0.5, [0]]]}, "not a number"),
    ({"batches": [["yes", 1.0, 0.5, [0]]]}, "not \\[training"),
    ({"batches": [[True, 1.0, 0.5, [0, 1], [7]]]}, "ids do not match"),
    ({"optimizer": "SGD"}, "optimizer"),
])
def test_malformed_run_records_are_refused_with_a_reason(tmp_path: Path, overrides, reason) -> None:
    with pytest.raises(BadEvidence, match=reason):
        evidence.load(write_run(tmp_path / "ev", **overrides))


def test_missing_linked_oversized_and_pickled_evidence_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BadEvidence, match="no record"):
        evidence.load(tmp_path / "nothing")
    folder = write_run(tmp_path / "ev")
    (folder / WEIGHTS_FILE).unlink()
    with pytest.raises(BadEvidence, match="weights.pt was not written"):
        evidence.load(folder)
    secret = tmp_path / "secret.pt"
    torch.save(measure.fresh_model().state_dict(), secret)
    os.symlink(secret, folder / WEIGHTS_FILE)
    with pytest.raises(BadEvidence, match="not a regular file"):
        evidence.load(folder)
    (folder / WEIGHTS_FILE).unlink()

    class Payload:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    (folder / WEIGHTS_FILE).write_bytes(pickle.dumps({"net.fc.weight": Payload()}))
    with pytest.raises(BadEvidence, match="cannot be read"):
        evidence.load(folder)
    assert not (tmp_path / "pwned").exists()
    (folder / RUN_FILE).write_text(" " * (evidence.MAX_RUN_BYTES + 1))
    with pytest.raises(BadEvidence, match="limit"):
        evidence.load(folder)


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


def batch(training: bool, labels: list[int]) -> Batch:
    return Batch(training, 1.0, 0.5, tuple(labels))


def test_epochs_split_at_validation_or_by_size() -> None:
    log = (batch(True, [0, 0]), batch(True, [1, 1]), batch(False, [0]),
           batch(True, [1, 1]), batch(True, [0, 0]), batch(False, [0]))
    epochs = batches.epochs(log, train_size=4)
    assert [e.order for e in epochs] == [(0, 0, 1, 1), (1, 1, 0, 0)] and batches.reshuffled(epochs)
    assert batches.mixing(epochs) == pytest.approx(0.5) and batches.classes_per_batch(epochs) == 1
    no_val = (batch(True, [0, 1]), batch(True, [2, 3]), batch(True, [0, 1]), batch(True, [2, 3]))
    same = batches.epochs(no_val, train_size=4)
    assert len(same) == 2 and not batches.reshuffled(same)
    assert batches.full_epochs(batches.epochs(no_val[:3], train_size=4), 4) == same[:1]


def test_reshuffling_is_judged_by_which_digits_not_by_their_labels() -> None:
    """A sampler that deals the classes in turn gives the same label sequence every epoch, with other digits:
    that is a new order. The same digits in the same order are not."""
    def run_of(ids: list[list[int]]) -> tuple[Batch, ...]:
        return tuple(Batch(True, 1.0, 0.5, (0, 1), tuple(i)) for i in ids)
    new_digits = batches.epochs(run_of([[10, 21], [11, 20]]), train_size=2)
    assert [e.order for e in new_digits] == [(10, 21), (11, 20)] and batches.reshuffled(new_digits)
    same_digits = batches.epochs(run_of([[10, 21], [10, 21]]), train_size=2)
    assert not batches.reshuffled(same_digits)


def test_task2_rule_follows_the_cause_not_the_step_count(tmp_path: Path) -> None:
    """A weight decay over the limit fails even from weights that learned; the limit comes from kit.toml."""
    context = fixes.Context(config.grading_data(config.notebook(2)), config.MODEL_FILE)
    found = evidence.load(write_run(tmp_path / "ev", optimizer={
        "class": "SGD", "groups": [{"lr": 0.003, "weight_decay": 0.9, "n_params": 62}]}))
    result = fixes.task2(found, context)
    assert result.fraction == 0 and "weight decay 0.9" in result.reason.en
    # The optimizer that stepped decides too: trainer.optimizer may say 0 while another one stepped.
    decayed = {"class": "SGD", "groups": [{"lr": 0.003, "weight_decay": 0.9, "n_params": 62}]}
    stepped = [{"first": decayed, "last": decayed, "steps": 9}]
    found = evidence.load(write_run(tmp_path / "ev2", stepped=stepped))
    result = fixes.task2(found, context)
    assert result.fraction == 0 and "weight decay 0.9" in result.reason.en


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


@pytest.mark.slow
def test_forged_batch_log_is_not_backed_by_the_weights(tmp_path: Path) -> None:
    """Task 1 with the bug left in: a run.json rewritten to say "mixed and reshuffled" still fails."""
    folder = run(1, next(f for f in FIXES[1] if f.name == "unchanged").code, tmp_path / "forged")
    record = json.loads((folder / RUN_FILE).read_text())
    for epoch in range(10):
        labels = torch.randperm(1280, generator=torch.Generator().manual_seed(epoch)) % 10
        record["batches"] += [[True, 0.1, 0.9, labels[i:i + 128].tolist()] for i in range(0, 1280, 128)]
        record["batches"].append([False, 0.1, 0.9, list(range(10))])
    record["batches"] = record["batches"][-110:]
    (folder / RUN_FILE).write_text(json.dumps(record))
    context = fixes.Context(config.grading_data(config.notebook(1)), config.MODEL_FILE)
    result = fixes.task1(evidence.load(folder), context)
    assert result.fraction == 0 and "given training digits" in result.reason.en
