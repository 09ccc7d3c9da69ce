"""Malformed evidence never raises out of the verifier: every kind of broken ``run.json`` or ``weights.pt``
(sizes, types, nesting, huge or non-finite numbers, links, pickles, random mutations) scores 0 for the fix
test concerned, with a reason, and the explanation test of the same notebook is still scored."""
from __future__ import annotations

import json
import os
import pickle
import random
from pathlib import Path

import nbformat
import pytest
import torch

from nndebug import config
from nndebug.kernel.record import RUN_FILE, SCHEMA, WEIGHTS_FILE
from nndebug.verify import evidence, fixes, measure, verdicts

SGD = {"class": "SGD", "groups": [{"lr": 0.01, "weight_decay": 0.0, "n_params": 62}]}


def valid_run() -> dict:
    batches = [[True, 2.3, 0.1, [0, 1, 2], [11, 12, 13]], [True, 2.2, 0.2, [3, 4], [14, 15]],
               [False, 2.2, 0.1, [5], [16]]]
    run = {"schema": SCHEMA, "installed": True, "error": "", "train_size": 5, "batches": batches,
           "optimizer": SGD, "optimizer_start": SGD, "stepped": [{"first": SGD, "last": SGD, "steps": 2}]}
    return json.loads(json.dumps(run))  # a deep copy: cases change it


def judge(folder: Path) -> verdicts.Judge:
    cell = nbformat.v4.new_code_cell("trainer.train(10)")
    cell.metadata["nbgrader"] = {"grade_id": "train_fixed", "locked": True}
    answer = nbformat.v4.new_markdown_cell("shuffle=False: every batch holds one class")
    answer.metadata["nbgrader"] = {"grade_id": "task1_explanation", "solution": True}
    nb = nbformat.v4.new_notebook(cells=[cell, answer])
    data = config.grading_data(config.notebook(1))
    return verdicts.Judge("task1_shuffle", folder, nb, fixes.Context(data, config.MODEL_FILE))


@pytest.fixture(scope="module")
def weights_bytes(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("w") / WEIGHTS_FILE
    torch.save(measure.fresh_model().state_dict(), path)
    return path.read_bytes()


def write(folder: Path, run: object | str | bytes, weights: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data = run if isinstance(run, bytes) else (run if isinstance(run, str) else json.dumps(run)).encode()
    (folder / RUN_FILE).write_bytes(data)
    (folder / WEIGHTS_FILE).write_bytes(weights)
    return folder


def scores_zero_with_a_reason(folder: Path) -> str:
    j = judge(folder)
    result = j.fix(1)  # must not raise, whatever the folder holds
    assert result.fraction == 0 and result.reason is not None
    j.explanation(1)   # the notebook's other test is still scored
    return result.reason.en


def with_value(path: list, value: object) -> dict:
    run = valid_run()
    target = run
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return run


HUGE = 10 ** 400
DECAY = '"weight_decay": 0.0'
RUN_CASES = {
    "overflowing loss": json.dumps(with_value(["batches", 0, 1], 1)).replace('2.3', str(HUGE), 1),
    "overflowing weight decay": json.dumps(valid_run()).replace(DECAY, f'"weight_decay": {HUGE}'),
    "5000-digit label": json.dumps(valid_run()).replace("[0, 1, 2]", "[" + "9" * 5000 + ", 1, 2]"),
    "5000-digit id": json.dumps(valid_run()).replace("[11, 12, 13]", "[" + "1" * 5000 + ", 12, 13]"),
    "huge steps": json.dumps(valid_run()).replace('"steps": 2', f'"steps": {HUGE}'),
    "float overflow 1e999": json.dumps(valid_run()).replace(DECAY, '"weight_decay": 1e999'),
    "-Infinity weight decay": json.dumps(valid_run()).replace(DECAY, '"weight_decay": -Infinity'),
    "NaN loss": json.dumps(valid_run()).replace("2.3", "NaN", 1),
    "deep nesting": '{"schema": 2, "batches": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "deep nesting in a group": json.dumps(valid_run()).replace('"n_params": 62',
                                                               '"n_params": ' + "[" * 5000 + "]" * 5000),
    "not JSON": "{schema: 2",
    "not UTF-8": b"\xff\xfe{}",
    "empty": "",
    "a list": "[1, 2, 3]",
    "no schema": json.dumps({k: v for k, v in valid_run().items() if k != "schema"}),
    "old schema": json.dumps(with_value(["schema"], 1)),
    "batches a dict": json.dumps(with_value(["batches"], {"a": 1})),
    "labels strings": json.dumps(with_value(["batches", 0, 3], ["0", "1", "2"])),
    "labels out of range": json.dumps(with_value(["batches", 0, 3], [0, 1, 99])),
    "training a string": json.dumps(with_value(["batches", 0, 0], "yes")),
    "batch too short": json.dumps(with_value(["batches", 0], [True])),
    "optimizer a list": json.dumps(with_value(["optimizer"], [1])),
    "groups a string": json.dumps(with_value(["optimizer", "groups"], "all")),
    "group a list": json.dumps(with_value(["optimizer", "groups"], [[1]])),
    "stepped a dict": json.dumps(with_value(["stepped"], {"a": 1})),
    "stepped steps bool": json.dumps(with_value(["stepped", 0, "steps"], True)),
    "no optimizer start": json.dumps({k: v for k, v in valid_run().items() if k != "optimizer_start"}),
    "error a number": json.dumps(with_value(["error"], HUGE // 10 ** 380)),
    "too many batches": json.dumps(with_value(["batches"], [[True, 1, 1, [0]]] * (evidence.MAX_BATCHES + 1))),
}


@pytest.mark.parametrize("case", sorted(RUN_CASES))
def test_malformed_run_json_scores_zero_without_raising(tmp_path: Path, weights_bytes: bytes,
                                                         case: str) -> None:
    scores_zero_with_a_reason(write(tmp_path / "ev", RUN_CASES[case], weights_bytes))


class Payload:
    def __reduce__(self):
        return (os.system, ("touch pwned-by-weights",))


def saved(obj: object) -> bytes:
    import io

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def weight_cases(good: bytes) -> dict[str, bytes]:
    state = measure.fresh_model().state_dict()
    nan = dict(state, **{"net.fc.weight": torch.full_like(state["net.fc.weight"], float("nan"))})
    inf = dict(state, **{"net.bn1.weight": torch.full_like(state["net.bn1.weight"], float("-inf"))})
    wrong_shape = dict(state, **{"net.fc.weight": torch.zeros(3, 3)})
    extra = dict(state, **{"stowaway": torch.zeros(1)})
    return {
        "a code pickle": pickle.dumps({"net.fc.weight": Payload()}),
        "a bare code pickle": pickle.dumps(Payload()),
        "garbage": os.urandom(4096),
        "empty": b"",
        "truncated": good[: len(good) // 2],
        "a list": saved([1, 2, 3]),
        "a dict of ints": saved({"net.fc.weight": 3}),
        "nested dicts": saved({"net": {"fc": torch.zeros(1)}}),
        "a parameter": saved({"net.fc.weight": torch.nn.Parameter(torch.zeros(10, 512))}),
        "NaN weights": saved(nan),
        "-inf weights": saved(inf),
        "wrong shape": saved(wrong_shape),
        "an extra tensor": saved(extra),
        "int keys": saved({1: torch.zeros(1)}),
    }


def test_malformed_weights_score_zero_without_raising(tmp_path: Path, weights_bytes: bytes,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for i, (case, data) in enumerate(weight_cases(weights_bytes).items()):
        reason = scores_zero_with_a_reason(write(tmp_path / f"ev{i}", valid_run(), data))
        assert reason, case
    assert not (tmp_path / "pwned-by-weights").exists()


def test_links_folders_fifos_and_oversized_files_score_zero(tmp_path: Path, weights_bytes: bytes,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps(valid_run()))
    folder = write(tmp_path / "link", valid_run(), weights_bytes)
    (folder / RUN_FILE).unlink()
    (folder / RUN_FILE).symlink_to(secret)
    assert "not a regular file" in scores_zero_with_a_reason(folder)
    folder = write(tmp_path / "dir", valid_run(), weights_bytes)
    (folder / WEIGHTS_FILE).unlink()
    (folder / WEIGHTS_FILE).mkdir()
    assert "not a regular file" in scores_zero_with_a_reason(folder)
    folder = write(tmp_path / "fifo", valid_run(), weights_bytes)
    (folder / RUN_FILE).unlink()
    os.mkfifo(folder / RUN_FILE)
    assert "not a regular file" in scores_zero_with_a_reason(folder)
    linked = tmp_path / "linked-folder"
    linked.symlink_to(write(tmp_path / "real", valid_run(), weights_bytes))
    scores_zero_with_a_reason(linked)
    monkeypatch.setattr(evidence, "MAX_WEIGHTS_BYTES", 1000)
    assert "limit" in scores_zero_with_a_reason(write(tmp_path / "big", valid_run(), weights_bytes))
    scores_zero_with_a_reason(tmp_path / "never-written")


JUNK = [None, True, -1, 0, 2 ** 70, 1e308, -1e-308, "", "x" * 10_000, [], {}, [[[]]], {"a": [1]},
        [True, 1, 1, [0]], list(range(100))]


def mutate(value: object, rng: random.Random, depth: int = 0) -> object:
    """One random change somewhere inside ``value`` (a JSON tree)."""
    if isinstance(value, dict) and value and depth < 6:
        key = rng.choice(sorted(value, key=str))
        if rng.random() < 0.2:
            return {k: v for k, v in value.items() if k != key}
        return {**value, key: mutate(value[key], rng, depth + 1)}
    if isinstance(value, list) and value and depth < 6:
        i = rng.randrange(len(value))
        if rng.random() < 0.2:
            return value[:i] + value[i + 1:]
        return value[:i] + [mutate(value[i], rng, depth + 1)] + value[i + 1:]
    return rng.choice(JUNK)


def test_random_mutations_of_a_valid_record_never_raise(tmp_path: Path, weights_bytes: bytes,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Mutations that leave the record readable reach the rules (with a fresh model's weights, which learned
    nothing): they still score 0 and never raise."""
    # The rules would measure the held-back digits for every readable mutation: a fixed small cost.
    monkeypatch.setattr(measure, "accuracy", lambda model, data_dir: 0.1)
    rng = random.Random(0)
    for i in range(60):
        run = valid_run()
        for _ in range(rng.randint(1, 3)):
            run = mutate(run, rng)
        scores_zero_with_a_reason(write(tmp_path / f"ev{i}", run, weights_bytes))
