"""Malformed evidence never raises out of the verifier: every kind of broken ``answer.json`` or ``answer.pt``
(sizes, types, nesting, huge or non-finite numbers, links, pickles, random mutations) is refused by the
loader with a reason (never another exception) and scores 0 for the fix test concerned, while the explanation
test of the same notebook is still scored. The plotting and feedback path draws any curves (huge finite
losses, extremes, empty ones), and a crash anywhere in verifying, plotting or rendering scores that row 0 for
a person while the rest is graded."""
from __future__ import annotations

import io
import json
import os
import pickle
import random
from pathlib import Path

import nbformat
import pytest
import torch

from nndebug import config
from nndebug.kernel.answer import ANSWER_JSON, ANSWER_PT, SCHEMA
from nndebug.verify import answer, fixes, measure, verdicts
from nndebug.verify.evidence import BadEvidence
from nndebug.verify.verdict import Line, Verdict


def valid_answer() -> dict:
    sgd = {"lr": 0.01, "momentum": 0.0, "weight_decay": 0.0, "nesterov": False}
    return {"schema": SCHEMA, "stopped": True, "error": "",
            "optimizer": {"class": "SGD", "groups": [{"settings": sgd, "params": ["net.fc.weight"]}]},
            "loader": {"kind": "DataLoader", "shuffle": True, "batch_size": 128}}


def judge(folder: Path) -> verdicts.Judge:
    cell = nbformat.v4.new_code_cell("trainer.train(10)")
    cell.metadata["nbgrader"] = {"grade_id": "train_fixed", "locked": True}
    answer_cell = nbformat.v4.new_markdown_cell("shuffle=False: every batch holds one class")
    answer_cell.metadata["nbgrader"] = {"grade_id": "task1_explanation", "solution": True}
    nb = nbformat.v4.new_notebook(cells=[cell, answer_cell])
    data = config.grading_data(config.notebook(1))
    return verdicts.Judge("task1_shuffle", folder, nb, fixes.Context(data, config.MODEL_FILE))


def saved(obj: object) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def tensors_bytes() -> bytes:
    return saved({"start": dict(measure.fresh_model().state_dict()), "probe_0": torch.zeros(3, 28, 28)})


def write(folder: Path, found: object | str | bytes, tensors: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = found if isinstance(found, str | bytes) else json.dumps(found)
    data = text if isinstance(text, bytes) else text.encode()
    (folder / ANSWER_JSON).write_bytes(data)
    (folder / ANSWER_PT).write_bytes(tensors)
    return folder


def refused(folder: Path) -> str:
    """The loader refuses ``folder`` with a reason, the fix test scores 0 with it, and the notebook's other
    test is still scored."""
    with pytest.raises(BadEvidence) as err:
        answer.load(folder)
    j = judge(folder)
    result = j.fix(1)  # must not raise, whatever the folder holds
    assert result.fraction == 0 and result.reason is not None and str(err.value) in result.reason.en
    j.explanation(1)
    return str(err.value)


def with_value(path: list, value: object) -> dict:
    found = valid_answer()
    target = found
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return found


HUGE = 10 ** 400
LR = '"lr": 0.01'
ANSWER_CASES = {
    "overflowing lr": json.dumps(valid_answer()).replace(LR, f'"lr": {HUGE}'),
    "5000-digit number": json.dumps(valid_answer()).replace(LR, '"lr": ' + "9" * 5000),
    "float overflow 1e999": json.dumps(valid_answer()).replace(LR, '"lr": 1e999'),
    "-Infinity lr": json.dumps(valid_answer()).replace(LR, '"lr": -Infinity'),
    "NaN lr": json.dumps(valid_answer()).replace(LR, '"lr": NaN'),
    "deep nesting": '{"schema": 1, "loader": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "deep nesting in a group": json.dumps(valid_answer()).replace(LR, '"lr": ' + "[" * 5000 + "]" * 5000),
    "not JSON": "{schema: 1",
    "not UTF-8": b"\xff\xfe{}",
    "empty": "",
    "a list": "[1, 2, 3]",
    "no schema": json.dumps({k: v for k, v in valid_answer().items() if k != "schema"}),
    "another schema": json.dumps(with_value(["schema"], SCHEMA + 1)),
    "optimizer a list": json.dumps(with_value(["optimizer"], [1])),
    "groups a string": json.dumps(with_value(["optimizer", "groups"], "all")),
    "group a list": json.dumps(with_value(["optimizer", "groups"], [[1]])),
    "settings a list": json.dumps(with_value(["optimizer", "groups", 0, "settings"], [0.0])),
    "params numbers": json.dumps(with_value(["optimizer", "groups", 0, "params"], [1, 2])),
    "class a number": json.dumps(with_value(["optimizer", "class"], 7)),
    "2,000 groups": json.dumps(with_value(["optimizer", "groups"], [{"settings": {}, "params": []}] * 2000)),
}


# Routes this test found open, until the loader refuses them (1e999 parsing as inf: closed by parse_float).
OPEN: dict[str, str] = {}


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.xfail(reason=OPEN[c], strict=True))
                                  if c in OPEN else c for c in sorted(ANSWER_CASES)])
def test_malformed_answer_json_is_refused_and_scores_zero(tmp_path: Path, tensors_bytes: bytes,
                                                          case: str) -> None:
    refused(write(tmp_path / "ev", ANSWER_CASES[case], tensors_bytes))


class Payload:
    def __reduce__(self):
        return (os.system, ("touch pwned-by-weights",))


def tensor_cases(good: bytes) -> dict[str, bytes]:
    state = dict(measure.fresh_model().state_dict())
    nan = dict(state, **{"net.fc.weight": torch.full_like(state["net.fc.weight"], float("nan"))})
    inf = dict(state, **{"net.bn1.weight": torch.full_like(state["net.bn1.weight"], float("-inf"))})
    return {
        "a code pickle": pickle.dumps({"start": {"net.fc.weight": Payload()}}),
        "a bare code pickle": pickle.dumps(Payload()),
        "garbage": os.urandom(4096),
        "empty": b"",
        "truncated": good[: len(good) // 2],
        "a list": saved([1, 2, 3]),
        "start a list": saved({"start": [torch.zeros(1)]}),
        "start of ints": saved({"start": {"net.fc.weight": 3}}),
        "nested dicts": saved({"start": {"net": {"fc": torch.zeros(1)}}}),
        "a parameter": saved({"start": {"net.fc.weight": torch.nn.Parameter(torch.zeros(10, 512))}}),
        "NaN weights": saved({"start": nan}),
        "-inf weights": saved({"start": inf}),
        "int keys": saved({"start": {1: torch.zeros(1)}}),
        "probes not tensors": saved({"start": state, "probe_0": [1, 2]}),
        "5,000 tensors": saved({"start": {f"t{i}": torch.zeros(1) for i in range(5000)}}),
    }


@pytest.mark.slow  # over a few seconds: kept out of make test-fast's two minutes
def test_malformed_answer_tensors_are_refused_and_score_zero(tmp_path: Path, tensors_bytes: bytes,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for i, (case, data) in enumerate(tensor_cases(tensors_bytes).items()):
        assert refused(write(tmp_path / f"ev{i}", valid_answer(), data)), case
    assert not (tmp_path / "pwned-by-weights").exists()


def test_links_folders_fifos_and_oversized_files_are_refused(tmp_path: Path, tensors_bytes: bytes,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps(valid_answer()))
    folder = write(tmp_path / "link", valid_answer(), tensors_bytes)
    (folder / ANSWER_JSON).unlink()
    (folder / ANSWER_JSON).symlink_to(secret)
    assert "not a regular file" in refused(folder)
    folder = write(tmp_path / "dir", valid_answer(), tensors_bytes)
    (folder / ANSWER_PT).unlink()
    (folder / ANSWER_PT).mkdir()
    assert "not a regular file" in refused(folder)
    folder = write(tmp_path / "fifo", valid_answer(), tensors_bytes)
    (folder / ANSWER_JSON).unlink()
    os.mkfifo(folder / ANSWER_JSON)
    assert "not a regular file" in refused(folder)
    linked = tmp_path / "linked-folder"
    linked.symlink_to(write(tmp_path / "real", valid_answer(), tensors_bytes))
    refused(linked)
    monkeypatch.setattr(answer, "MAX_PT_BYTES", 1000)
    assert "limit" in refused(write(tmp_path / "big", valid_answer(), tensors_bytes))
    refused(tmp_path / "never-written")


def test_a_valid_answer_loads(tmp_path: Path, tensors_bytes: bytes) -> None:
    """The cases above are refused for what they break, not because the base answer is unreadable."""
    found = answer.load(write(tmp_path / "ev", valid_answer(), tensors_bytes))
    assert found.stopped and found.optimizer_class == "SGD" and found.start is not None


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


def test_random_mutations_of_a_valid_answer_never_raise_anything_else(tmp_path: Path) -> None:
    """The loader returns an answer or refuses it with BadEvidence, for any mutation (what it returns is the
    replay's to judge: tests/test_replay.py)."""
    rng = random.Random(0)
    small = saved({"start": {"net.fc.bias": torch.zeros(10)}, "probe_0": torch.zeros(1)})
    for i in range(200):
        found = valid_answer()
        for _ in range(rng.randint(1, 3)):
            found = mutate(found, rng)
        try:
            answer.load(write(tmp_path / f"ev{i}", found, small))
        except BadEvidence:
            pass


# The plotting and feedback path: whatever numbers a verdict carries, its row is rendered (plot included)
# without raising, and a crash anywhere there scores that row 0 for a person while the rest is graded.
EXTREME_CURVES = {
    "huge finite losses": {"train_loss": [1e308, 1.7e308, 1e308], "val_acc": [0.1, 0.5, 0.9]},
    "huge of both signs": {"train_loss": [1e308, -1e308], "val_acc": [1e308, -1e308]},
    "subnormal": {"train_loss": [5e-324, 1e-308], "val_acc": [0.0, 1e-300]},
    "empty curves": {"train_loss": [], "val_acc": []},
    "no curves": {},
    "one point": {"train_loss": [2.3], "val_acc": [0.1]},
    "NaN and infinities": {"train_loss": [float("nan"), float("inf")], "val_acc": [float("-inf"), 0.5]},
    "100,000 epochs": {"train_loss": [float(i % 7) for i in range(100_000)], "val_acc": [0.5] * 100_000},
    "an integer past float": {"train_loss": [10 ** 400, 3], "val_acc": [1, 0]},
    "wrong types": {"train_loss": ["x", None, True, [1.0]], "val_acc": {"a": 1}},
    "other keys": {"weird": [1.0, 2.0]},
}
FIX_POINTS, EXPLANATION_POINTS = 0.3, 0.1


class StubJudge:
    """What the Verify preprocessor asks of a judge; verdicts (or errors) given by the test."""

    context = None

    def __init__(self, fix, explanation=None) -> None:
        self._fix, self._explanation = fix, explanation

    def fix(self, task: int):
        return self._fix() if callable(self._fix) else self._fix

    def explanation(self, task: int):
        return self._explanation or Verdict(1.0)


def graded(judge: StubJudge) -> dict[str, nbformat.NotebookNode]:
    """The fix and explanation test cells of a notebook after the Verify preprocessor, with ``judge``."""
    from nndebug.autograde.preprocessors.verify import Verify

    verify = Verify()
    verify._judge, verify._edits, verify._broken = judge, None, None
    cells = {}
    for gid, worth in (("task1_fix_shuffle", FIX_POINTS), ("task1_explanation_rubric", EXPLANATION_POINTS)):
        cell = nbformat.v4.new_code_cell("# hidden", outputs=[])
        cell.metadata["nbgrader"] = {"grade_id": gid, "grade": True, "solution": False, "points": worth}
        cells[gid], _ = verify.preprocess_cell(cell, {}, 0)
    return cells


def score(cell: nbformat.NotebookNode) -> float:
    from nbgrader.utils import determine_grade

    return determine_grade(cell)[0]


def sent_to_a_person(cell: nbformat.NotebookNode) -> dict | None:
    from nndebug.autograde.routed import ROUTED
    from nndebug.verify.render import VERDICT_MIME

    return next((o["data"][VERDICT_MIME].get(ROUTED) for o in cell.outputs
                 if VERDICT_MIME in o.get("data", {})), None)


@pytest.mark.parametrize("case", sorted(EXTREME_CURVES))
def test_the_feedback_plot_draws_any_curves(case: str) -> None:
    from nndebug.verify import plot

    curves = EXTREME_CURVES[case]
    png = plot.training_png(curves, curves, "title")          # the reference as strange as the run
    assert png.startswith(b"\x89PNG")
    assert isinstance(plot.has_curves(curves), bool)


@pytest.mark.parametrize("fraction", [0.0, 1.0])
@pytest.mark.parametrize("case", sorted(EXTREME_CURVES))
def test_a_verdict_with_any_curves_is_scored_as_it_says(case: str, fraction: float) -> None:
    """The verdict's own score, with its plot (when there is anything to draw); never sent to a person."""
    verdict = Verdict(fraction, None if fraction else Line("нет", "no"), (Line("м", "m"),), None,
                      EXTREME_CURVES[case])
    cells = graded(StubJudge(verdict))
    fix = cells["task1_fix_shuffle"]
    assert score(fix) == pytest.approx(FIX_POINTS * fraction)
    assert sent_to_a_person(fix) is None
    assert score(cells["task1_explanation_rubric"]) == EXPLANATION_POINTS


def test_a_crash_while_plotting_scores_the_row_zero_for_a_person(monkeypatch: pytest.MonkeyPatch) -> None:
    from nndebug.verify import plot

    def broken(*args, **kwargs):
        raise ValueError("arange: cannot compute length")

    monkeypatch.setattr(plot, "training_png", broken)
    cells = graded(StubJudge(Verdict(1.0, curves=EXTREME_CURVES["one point"])))
    fix = cells["task1_fix_shuffle"]
    assert score(fix) == 0
    sent = sent_to_a_person(fix)
    assert sent is not None and sent["automatic"] == 1.0 and "feedback plot failed" in sent["why"]["en"]
    assert "sent to a person" in str(fix.outputs)
    assert score(cells["task1_explanation_rubric"]) == EXPLANATION_POINTS   # the rest is graded


def test_a_crash_while_verifying_or_rendering_scores_the_row_zero_for_a_person(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from nndebug.autograde.preprocessors import verify as verify_module

    def judge_raises():
        raise RuntimeError("a rule that broke")

    cells = graded(StubJudge(judge_raises))
    assert score(cells["task1_fix_shuffle"]) == 0 and sent_to_a_person(cells["task1_fix_shuffle"])
    assert score(cells["task1_explanation_rubric"]) == EXPLANATION_POINTS

    original = verify_module.verdict_outputs

    def render_raises(verdict, points, plot=None):
        if points == FIX_POINTS:
            raise OverflowError("cannot render")
        return original(verdict, points, plot)

    monkeypatch.setattr(verify_module, "verdict_outputs", render_raises)
    cells = graded(StubJudge(Verdict(1.0)))
    sent = sent_to_a_person(cells["task1_fix_shuffle"])
    assert score(cells["task1_fix_shuffle"]) == 0 and "OverflowError" in sent["why"]["en"]
    assert score(cells["task1_explanation_rubric"]) == EXPLANATION_POINTS


def test_a_verifier_that_cannot_start_fails_every_row_closed(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The judge itself raising while set up: every verified test of the notebook is 0 for a person, and
    the preprocessor does not raise (nbgrader would leave the whole submission ungraded)."""
    from nndebug.autograde.job import GradingJob
    from nndebug.autograde.preprocessors.verify import Verify

    def broken(*args, **kwargs):
        raise MemoryError("no room")

    monkeypatch.setattr(verdicts, "Judge", broken)
    job = GradingJob(student="s1", assignment="nn_debug", submission=tmp_path / "staged",
                     evidence=tmp_path / "evidence", verdicts=tmp_path / "verdicts",
                     release=config.RELEASE_DIR / "nn_debug")
    monkeypatch.setenv(*next(iter(job.to_env().items())))
    cells = list(graded(StubJudge(Verdict(1.0))).values())
    nb = nbformat.v4.new_notebook(cells=cells)
    nb, _ = Verify().preprocess(nb, {"unique_key": "task1_shuffle", "nbgrader": {"student": "s1"}})
    for cell in nb.cells:
        assert score(cell) == 0 and "MemoryError" in sent_to_a_person(cell)["why"]["en"]


def test_a_crash_while_generating_feedback_is_reported_not_raised(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from nndebug.autograde import feedback
    from nndebug.autograde.course import Course

    def broken(*args, **kwargs):
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad byte")

    monkeypatch.setattr(feedback, "run_nbgrader", broken)
    problems = feedback.generate_feedback(Course(root=tmp_path, assignment="nn_debug"), "s1", tmp_path / "l")
    assert len(problems) == 1 and "feedback was not generated (UnicodeDecodeError" in problems[0].message
