"""Assembling the task notebooks from notebooks/*.py and the shared cells."""
from __future__ import annotations

import types
import zipfile
from pathlib import Path

import pytest

from nndebug import config
from nndebug.course import assemble, authoring, cells, colab, record, snippets


def sources(task: int) -> dict[str, str]:
    return {cell.id: cell.source for cell in assemble.build(task).cells}


@pytest.mark.parametrize("task", config.TASKS)
def test_contract_cells_in_order(task: int) -> None:
    notebook = assemble.build(task)
    ids = [cell.id for cell in notebook.cells]
    fix, explanation = ids.index(f"task{task}_fix"), ids.index(f"task{task}_explanation")
    for shared in cells.CELLS:
        assert ids.index(shared) < explanation
    assert explanation < fix
    epochs = config.kit().tasks[task].epochs
    assert notebook.cells[fix + 1].source == f"trainer.train({epochs})"
    tests = [cell for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("grade")
             and cell.cell_type == "code"]
    assert tests and all(c.id.startswith((f"task{task}_fix", f"task{task}_explanation")) for c in tests)
    meta = {c.id: c.metadata["nbgrader"] for c in notebook.cells if "nbgrader" in c.metadata}
    assert meta[f"task{task}_fix"]["solution"] and not meta[f"task{task}_fix"]["locked"]
    assert meta[f"task{task}_explanation"]["grade"] and meta[f"task{task}_explanation"]["points"] == 0
    points = {c.id: meta[c.id]["points"] for c in tests}
    settings = config.kit().tasks[task]
    assert sum(p for i, p in points.items() if i.startswith(f"task{task}_fix")) == settings.points_fix
    assert points[f"task{task}_explanation_rubric"] == settings.points_explanation


@pytest.mark.parametrize("task", config.TASKS)
def test_shared_cells_are_included_not_copied(task: int) -> None:
    text = assemble.authoring_file(task).read_text(encoding="utf-8")
    assert "class Trainer" not in text and "class MNISTDataset" not in text and "class ResNet18" not in text
    built = sources(task)
    for shared in cells.CELLS:
        assert built[shared] == cells.cell_source(shared, task)
    assert ("DataLoader(self.train_dataset, shuffle=False" in built["trainer"]) == (task == 1)


def test_task1_reference_fix_is_the_trainer_with_shuffle() -> None:
    fix = sources(1)["task1_fix"]
    assert cells.render_trainer(cells.cell_source("trainer"), shuffle=True) in fix


@pytest.mark.parametrize("task", config.TASKS)
def test_badge_points_at_the_release_file(task: int) -> None:
    course = config.kit().course
    notebook = config.notebook(task)
    header = assemble.build(task).cells[0].source
    assert (f"https://colab.research.google.com/github/{course.student_repo}/blob/"
            f"{course.release_tag}/{notebook}.ipynb") in header


def run_cell(source: str, directory: Path, monkeypatch) -> dict:
    """Execute one notebook cell after the imports cell, in ``directory``."""
    monkeypatch.chdir(directory)
    namespace: dict = {}
    exec(cells.cell_source("imports"), namespace)  # noqa: S102 - the kit's own cells
    exec(source, namespace)  # noqa: S102
    return namespace


def make_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mnist_data/train.csv", "image_name,label\n")
        archive.writestr("mnist_data/val.csv", "image_name,label\n")


@pytest.fixture(params=["unpublished", "published"])
def publication(request, tmp_path: Path, monkeypatch):
    """The setup cell as it is before ``make publish`` (no hashes) and after it (the record holds the hashes
    of the files the test hands out): the tests pass whether the course root has a published.json or not."""
    path = tmp_path / "published.json"
    monkeypatch.setattr(record, "RECORD_FILE", path)

    def publish(files: dict[str, Path]) -> None:
        if request.param == "published":
            course = config.kit().course
            record.write_record(record.Record(course.student_repo, course.release_tag,
                                              {name: record.sha256_of(f) for name, f in files.items()}),
                                path)
    return publish


def test_setup_cell_fetches_from_the_url_override_and_unzips(tmp_path: Path, monkeypatch,
                                                             publication) -> None:
    make_zip(tmp_path / "source.zip")
    (tmp_path / "source.pt").write_bytes(b"weights")
    publication({colab.DATA_FILE: tmp_path / "source.zip", colab.MODEL_FILE: tmp_path / "source.pt"})
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv(colab.DATA_URL_ENV, (tmp_path / "source.zip").as_uri())
    monkeypatch.setenv(colab.MODEL_URL_ENV, (tmp_path / "source.pt").as_uri())
    run_cell(sources(3)["setup"], work, monkeypatch)
    assert (work / "mnist_data" / "train.csv").exists()
    assert (work / "pretrained_model.pt").read_bytes() == b"weights"


def test_setup_cell_skips_everything_when_the_files_are_there(tmp_path: Path, monkeypatch,
                                                              publication) -> None:
    (tmp_path / "mnist_data").mkdir()
    (tmp_path / "pretrained_model.pt").write_bytes(b"mine")
    make_zip(tmp_path / "handed_out.zip")
    publication({colab.DATA_FILE: tmp_path / "handed_out.zip",
                 colab.MODEL_FILE: tmp_path / "pretrained_model.pt"})
    monkeypatch.setenv(colab.DATA_URL_ENV, "file:///nonexistent/nothing.zip")
    monkeypatch.setenv(colab.MODEL_URL_ENV, "file:///nonexistent/nothing.pt")
    for task in config.TASKS:
        run_cell(sources(task)["setup"], tmp_path, monkeypatch)
    assert (tmp_path / "pretrained_model.pt").read_bytes() == b"mine"
    assert not (tmp_path / "mnist_data.zip").exists()


def test_setup_cell_seeds_torch(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "mnist_data").mkdir()
    first = run_cell(sources(1)["setup"], tmp_path, monkeypatch)["torch"].rand(3)
    second = run_cell(sources(1)["setup"], tmp_path, monkeypatch)["torch"].rand(3)
    assert first.tolist() == second.tolist()


def test_training_curves_cell_is_harmless_headless(tmp_path: Path, monkeypatch) -> None:
    """Without logs and outside Colab it does nothing; in Colab it opens TensorBoard."""
    calls = []
    namespace = {"get_ipython": lambda: types.SimpleNamespace(run_line_magic=lambda *a: calls.append(a))}
    monkeypatch.chdir(tmp_path)
    exec(snippets.TRAINING_CURVES, namespace)  # noqa: S102
    assert calls == []
    monkeypatch.setitem(__import__("sys").modules, "google.colab", types.ModuleType("google.colab"))
    exec(snippets.TRAINING_CURVES, namespace)  # noqa: S102
    assert [c[0] for c in calls] == ["load_ext", "tensorboard"]


def test_authoring_errors_name_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("# %% answer\nx = 1\n")
    with pytest.raises(ValueError, match=r"bad.py:1: an answer cell needs id=NAME"):
        authoring.parse(bad)
    bad.write_text("# %% lockd\n")
    with pytest.raises(ValueError, match="unknown cell tag 'lockd'"):
        authoring.parse(bad)
    bad.write_text("# %% [markdown]\nnot a comment\n")
    with pytest.raises(ValueError, match="starts with '# '"):
        authoring.parse(bad)


def test_unknown_placeholder_is_an_error(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "task1_shuffle.py"
    path.write_text("# %% [markdown] locked\n# {{nope}}\n")
    monkeypatch.setattr(assemble, "authoring_file", lambda task: path)
    with pytest.raises(KeyError, match="unknown placeholder"):
        assemble.build(1)
