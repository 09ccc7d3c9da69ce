"""What the autograder stages beside each notebook: the task's own grading data, the model."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from nndebug import config
from nndebug.autograde import stage
from nndebug.autograde.job import GradingJob
from nndebug.autograde.kernels import sandbox_spec, stage_links
from nndebug.autograde.stage import DATA_NAME, MODEL_NAME, Inputs
from nndebug.mnist import layout, subset


def test_tasks_with_their_own_count_grade_on_their_own_subset() -> None:
    by_notebook = stage.task_data()
    for number in config.TASKS:
        notebook = config.notebook(number)
        own = config.kit().tasks[number].grading_train_per_class is not None
        assert (notebook in by_notebook) == own
        assert Inputs().data_for(notebook) == (by_notebook[notebook] if own else config.SUBSET_DATA)
    assert Inputs().data_for(None) == config.SUBSET_DATA


def test_task_subsets_are_prefixes_of_the_grading_subset(grading_subset: Path) -> None:
    subset.build_all(progress=False)
    assert subset.task_subsets(), "kit.toml gives no task its own grading data"
    for folder, counts in subset.task_subsets():
        for split in layout.SPLITS:
            full = layout.read_csv(grading_subset / f"{split}.csv")
            rows = layout.read_csv(folder / f"{split}.csv")
            assert rows == subset.first_per_class(full, counts[split], grading_subset / f"{split}.csv")
            assert len(list((folder / split).glob("*.png"))) == len(rows) == 10 * counts[split]


def job(tmp_path: Path, inputs: Inputs, submission: Path | None = None, sandbox: bool = True) -> GradingJob:
    return GradingJob(student="s1", assignment="hw", submission=submission or tmp_path / "staged",
                      evidence=tmp_path / "evidence", verdicts=tmp_path / "verdicts",
                      release=tmp_path / "release" / "hw", inputs=inputs, sandbox=sandbox)


def test_the_job_travels_to_the_nbgrader_process(tmp_path: Path) -> None:
    sent = job(tmp_path, Inputs(tmp_path / "d", tmp_path / "m.pt", {"nb1": tmp_path / "d1"}))
    back = GradingJob.from_env(sent.to_env())
    assert back == sent and GradingJob.from_env({}) is None
    assert back.inputs.data_for("nb1") == (tmp_path / "d1").resolve()
    assert back.inputs.data_for("nb2") == (tmp_path / "d").resolve()
    assert back.inputs.model == (tmp_path / "m.pt").resolve()


def test_a_job_serves_only_its_own_student(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nndebug.autograde.job import JobMismatch, job_for

    monkeypatch.setenv(*next(iter(job(tmp_path, Inputs()).to_env().items())))
    assert job_for({"nbgrader": {"student": "s1"}}).student == "s1"
    with pytest.raises(JobMismatch, match="'s2'"):
        job_for({"nbgrader": {"student": "s2"}})


def test_each_notebook_gets_its_own_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    common, own, model = tmp_path / "common", tmp_path / "own", tmp_path / "m.pt"
    for folder in (common, own):
        folder.mkdir()
    model.write_bytes(b"0")
    sent = job(tmp_path, Inputs(common, model, {"nb1": own}))
    cwd = tmp_path / "autograded" / "s1" / "hw"
    cwd.mkdir(parents=True)
    for notebook, expected in (("nb1", own), ("nb2", common)):
        stage_links(cwd, sent.inputs, notebook)  # unsandboxed
        assert (cwd / DATA_NAME).resolve() == expected.resolve()
        runtime = tmp_path / f"run-{notebook}"
        runtime.mkdir()
        spec = sandbox_spec(cwd, runtime, notebook, job=sent)  # sandboxed: a read-only bind at ./mnist_data
        assert (expected.resolve(), cwd / DATA_NAME) in spec.readonly


@pytest.mark.parametrize("sandbox", [True, False], ids=["sandboxed", "unsandboxed"])
def test_the_kernel_of_each_notebook_reads_its_own_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         sandbox: bool) -> None:
    from nndebug.autograde.preprocessors.sandboxed_execute import SandboxedExecute

    tmp_path.chmod(0o755)  # the sandboxed kernel runs as nobody when the tests run as root
    common, own, model = tmp_path / "common", tmp_path / "own", tmp_path / "m.pt"
    for folder, rows in ((common, 1), (own, 2)):
        folder.mkdir()
        (folder / "train.csv").write_text("x\n" * rows)
    model.write_bytes(b"0")
    cwd = tmp_path / "autograded" / "s1" / "hw"
    cwd.mkdir(parents=True)
    for key, value in job(tmp_path, Inputs(common, model, {"nb1": own}), cwd, sandbox).to_env().items():
        monkeypatch.setenv(key, value)
    for notebook, rows in (("nb1", 2), ("nb2", 1)):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
            "print(len(open('mnist_data/train.csv').readlines()))")])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        out, _ = SandboxedExecute().preprocess(nb, {"unique_key": notebook, "metadata": {"path": str(cwd)}})
        assert out.cells[0].outputs[0]["text"].strip() == str(rows), notebook


def test_only_the_task_that_loads_the_model_gets_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pretrained_model.pt beside a fresh-model task would be a good network to hand in: not staged there."""
    data, model = tmp_path / "data", tmp_path / "m.pt"
    data.mkdir()
    model.write_bytes(b"0")
    cwd = tmp_path / "autograded" / "s1" / "hw"
    cwd.mkdir(parents=True)
    graded = job(tmp_path, Inputs(data, model, {}), cwd, True)
    for task in config.TASKS:
        notebook = config.notebook(task)
        staged = task in config.MODEL_TASKS
        stage_links(cwd, graded.inputs, notebook)
        assert (cwd / MODEL_NAME).exists() == staged, notebook
        runtime = tmp_path / f"run-{task}"
        runtime.mkdir()
        mounts = [inside for _, inside in sandbox_spec(cwd, runtime, notebook, job=graded).readonly]
        assert (cwd / MODEL_NAME in mounts) == staged, notebook
    assert not config.MODEL_TASKS or set(config.MODEL_TASKS) <= set(config.TASKS)


def test_stale_held_back_digits_rebuild_the_data_and_subsets(grading_subset: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Held-back digits an older kit drew from the published val split (or none at all) are not graded on:
    the data (with its check digits), the subsets and the held-back digits are built again."""
    from nndebug.mnist import build as data_build

    calls: list[str] = []
    model = tmp_path / "m.pt"
    model.write_bytes(b"0")
    inputs = Inputs(model=model)
    monkeypatch.setattr(data_build, "build", lambda *a, **k: calls.append("data"))
    monkeypatch.setattr(subset, "build_all", lambda *a, **k: calls.append("subsets"))
    monkeypatch.setattr(subset, "verify_problems", lambda folder, *a: ["older format"])
    stage.ensure_inputs(inputs)
    assert calls == ["data", "subsets"]
    calls.clear()
    monkeypatch.setattr(subset, "verify_problems", lambda folder, *a: [])
    stage.ensure_inputs(inputs)
    assert calls == []
