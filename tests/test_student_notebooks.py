"""The release notebooks as a student runs them: answered with the reference fix, executed headless on the
grading data (the seed's buggy run skipped), they print one line per epoch with val accuracy, keep their
progress output to a few KB, plot the curves, pass the visible test; the English release runs the same
code."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nndebug import config
from nndebug.course import language
from nndebug.release import build as release
from nndebug.tools import screenshot as sv

pytestmark = pytest.mark.slow

RAW_PROGRESS_LIMIT = 8 * 1024   # what nbclient stores for one training cell: tqdm's frames, \r-separated
SHOWN_PROGRESS_LIMIT = 1024     # what Jupyter, Colab and an HTML export show of it (\r overwrites)
OVERWRITTEN = re.compile(r"[^\n]*\r(?=[^\n])")  # nbconvert's coalesce_streams rule


def run(notebook: str, lang: str, tmp_path: Path, env: dict[str, str] | None = None):
    nb = sv.answered(notebook, lang)
    return sv.execute(nb, sv.stage(tmp_path / f"{notebook}-{lang}", notebook), skip=[sv.BUGGY_RUN], env=env)


def cell(nb, grade_id: str):
    return next(c for c in nb.cells if sv.grade_id(c) == grade_id)


@pytest.fixture(scope="module")
def executed(tmp_path_factory, monkeypatch_module) -> dict[str, object]:
    if not config.MODEL_FILE.exists():
        pytest.skip("needs data/pretrained_model.pt and the grading data (make subset model)")
    monkeypatch_module.delenv("TQDM_DISABLE", raising=False)  # as a student's kernel: progress bars on
    tmp = tmp_path_factory.mktemp("student")
    return {config.notebook(t): run(config.notebook(t), "ru", tmp) for t in config.TASKS}


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.mark.parametrize("task", config.TASKS)
def test_training_prints_one_line_per_epoch_and_little_progress(executed, task: int) -> None:
    notebook, epochs = config.notebook(task), config.kit().tasks[task].epochs
    nb = executed[notebook]
    errors = [(sv.grade_id(c), o.get("ename"), o.get("evalue")) for c in nb.cells if c.cell_type == "code"
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, errors
    train = cell(nb, config.kit().grading.graded_run_cell)
    lines = sv.EPOCH_LINE.findall(sv.stream_text(train, "stdout"))
    assert [(int(e), int(n)) for e, n, _ in lines] == [(e, epochs) for e in range(1, epochs + 1)], lines
    assert float(lines[-1][2]) > 0.5, lines
    progress = sv.stream_text(train, "stderr")
    assert len(progress.encode()) <= RAW_PROGRESS_LIMIT, len(progress)
    shown = OVERWRITTEN.sub("", progress)
    assert len(shown.encode()) <= SHOWN_PROGRESS_LIMIT and "epoch" not in shown, repr(shown[-300:])
    assert f"epoch {epochs}/{epochs}" in progress  # the bars are labelled with the epoch
    assert not cell(nb, sv.BUGGY_RUN).get("outputs")


@pytest.mark.parametrize("task", config.TASKS)
def test_curves_are_plotted_outside_colab_and_the_visible_test_passes(executed, task: int) -> None:
    nb = executed[config.notebook(task)]
    ids = [sv.grade_id(c) for c in nb.cells]
    after = nb.cells[ids.index(config.kit().grading.graded_run_cell) + 1]
    assert any("image/png" in o.get("data", {}) for o in after.outputs), after.outputs
    visible = cell(nb, f"task{task}_fix_visible")
    assert re.search(r"val accuracy: 0\.\d+", sv.stream_text(visible, "stdout"))


def test_english_notebook_runs_the_same_code_quietly_with_tqdm_disabled(tmp_path: Path) -> None:
    if not config.MODEL_FILE.exists():
        pytest.skip("needs data/pretrained_model.pt (make model)")
    task = config.TASKS[-1]
    notebook, epochs = config.notebook(task), config.kit().tasks[task].epochs
    nb = run(notebook, "en", tmp_path, env={"TQDM_DISABLE": "1"})
    train = cell(nb, config.kit().grading.graded_run_cell)
    assert len(sv.EPOCH_LINE.findall(sv.stream_text(train, "stdout"))) == epochs
    assert sv.stream_text(train, "stderr") == ""  # grading kernels and exports: no progress at all


def test_english_and_russian_releases_hold_the_same_code_cells_but_in_english() -> None:
    for name in release.notebook_names():
        ru, en = ([c for c in json.loads((sv.release_dir(lang) / name).read_text(encoding="utf-8"))["cells"]
                   if c["cell_type"] == "code"] for lang in ("ru", "en"))
        assert [language.english("".join(c["source"])) for c in ru] == ["".join(c["source"]) for c in en]
        assert [c["metadata"] for c in ru] == [c["metadata"] for c in en], name
