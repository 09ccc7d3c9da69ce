"""A variant student who edited nothing but the answer cells is told nothing about edited cells or changed
metadata, their setup cell checks their own model, and their feedback names their own cause, in Russian and
in English (README: Per-student variants). No notebook runs and no model is trained: the variant models are
stand-in files; the published notebooks are `make publish`'s (one variant release through nbgrader, so the
test that builds it is slow)."""
from __future__ import annotations

import dataclasses
import hashlib
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch
from fix_variants import SEED_ANSWERS
from variant_kit import KEY, variants_on

from nndebug import config
from nndebug.autograde import variant_job
from nndebug.autograde.job import GradingJob
from nndebug.autograde.preprocessors import VariantCells
from nndebug.autograde.preprocessors.verify import edited_given_cells
from nndebug.autograde.submission import check_and_stage
from nndebug.course import assemble, colab
from nndebug.course.record import MODEL_NAME
from nndebug.rubric import spec
from nndebug.rubric.spec import english_name
from nndebug.variants import families, grading, models, reference
from nndebug.variants import publish as variant_publish
from nndebug.verify import explanation

ALL = [v for t in families.FAMILIES for v in families.family(t)]
# Index 2 of every task: task1v2 (a stream no DataLoader shuffles), task2v2 (the trainer scales the weights),
# task3v2 (layer3's first block zeroed): one variant release builds all three.
PINS = ("ann 1=2 2=2 3=2",)


def stand_in_models(patch: pytest.MonkeyPatch, folder: Path) -> None:
    """A distinct file as each non-seed task-3 variant's model (its hash is all the notebooks use)."""
    real = models.model_file

    def model_file(variant: families.Variant) -> Path:
        if variant.is_seed:
            return real(variant)
        path = folder / variant.key / MODEL_NAME
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(variant.key.encode() * 64)
        return path

    patch.setattr(models, "model_file", model_file)
    patch.setattr(models, "stale", lambda variant: [])


def job_of(root: Path, student: str = "ann") -> GradingJob:
    plain = GradingJob(student=student, assignment=config.assignment(), submission=root / "staged",
                       evidence=root, verdicts=root, release=config.RELEASE_DIR / config.assignment())
    return variant_job.personal(dataclasses.replace(plain, variant=variant_job.resolve(root, student)))


@pytest.mark.parametrize("variant", [v for v in ALL if not v.is_seed], ids=lambda v: v.key)
def test_feedback_names_the_students_own_cause_in_the_pages_language(variant):
    context = grading.context(variant.key, config.kit().tasks[variant.task].notebook)
    cause = variant.cause
    assert cause is not None
    concepts = spec.load().tasks[variant.task].concepts
    seed_cause = next((p.name, english_name(variant.task, p.name)) for p in concepts if not p.mechanism)
    for text, said in ((SEED_ANSWERS[variant.task], "не названо"), (variant.explanation_ru, "названо")):
        result, _ = explanation.verdict(variant.task, text, "", context["cause"], context["names_en"])
        ru = [line.ru for line in result.measured]
        en = [line.en for line in result.measured]
        assert f"{said}: конкретная причина: {cause.shown_ru}" in ru
        assert f"{said.replace('не названо', 'missing').replace('названо', 'named')}: the specific cause: " \
               f"{cause.shown_en}" in en
        shown = "\n".join(ru + en)
        assert not [name for name in seed_cause if name in shown], shown    # not the seed's bug's name
        assert "this notebook's code or model" not in "\n".join(ru)  # no English on a Russian page
    advice = context["advice"]
    assert (advice.ru, advice.en) == (variant.hint_ru, variant.hint_en)
    if variant.key == "task2v2":
        assert "Trainer.train" in advice.en and "optimizer's settings" not in advice.en


@pytest.mark.parametrize("index", [1, 2, 3])
def test_the_restored_setup_cell_checks_the_students_own_model(monkeypatch, tmp_path, index):
    """Graded, task 3's setup cell is the student's own: it accepts their model (the seed's would raise
    SetupError: the test bites) and seeds the RNGs."""
    seed_hash = hashlib.sha256(config.MODEL_FILE.read_bytes()).hexdigest()
    monkeypatch.setattr(colab, "published_hashes", lambda: {MODEL_NAME: seed_hash})
    variants_on(monkeypatch, tmp_path, pins=(f"ann 3={index}",))
    stand_in_models(monkeypatch, tmp_path / "models")
    job = job_of(tmp_path)
    for name, value in job.to_env().items():
        monkeypatch.setenv(name, value)
    notebook = config.kit().tasks[3].notebook
    restored, _ = VariantCells().preprocess(assemble.build(3), {"unique_key": notebook})  # seed's, restored
    setup = next(c.source for c in restored.cells if c.get("id") == "setup")
    seed_setup = next(c.source for c in assemble.build(3).cells if c.get("id") == "setup")
    work = tmp_path / "kernel"
    (work / "mnist_data").mkdir(parents=True)
    shutil.copyfile(job.inputs.model, work / MODEL_NAME)   # the kernel's model: the job's
    monkeypatch.chdir(work)
    exec(compile(setup, "setup", "exec"), {"torch": torch, "np": np, "Path": Path})
    with pytest.raises(Exception, match="не тот файл") as raised:
        exec(compile(seed_setup, "setup", "exec"), {"torch": torch, "np": np, "Path": Path})
    assert type(raised.value).__name__ == "SetupError"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """ann's notebooks (Russian and English) as `make publish` writes them, answered with the reference fix
    and explanation of her variants; variants on while the module runs."""
    root = tmp_path_factory.mktemp("variants-own")
    with pytest.MonkeyPatch.context() as patch:
        variants_on(patch, root, pins=PINS)
        stand_in_models(patch, root / "models")
        releases = variant_publish._variant_releases(root / "releases", [2])
        chosen = grading.assignment("ann", variant_job.resolve(root, "ann") or "")
        token = grading.owner_token(KEY, "ann")
        for lang in ("ru", "en"):
            folder = root / lang / "ann" / config.assignment()
            folder.mkdir(parents=True)
            for task in config.TASKS:
                name = f"{config.kit().tasks[task].notebook}.ipynb"
                nb = nbformat.read(str(releases[(2, lang)] / name), as_version=4)
                nb = variant_publish._personal(nb, name, lang, token, chosen, task)
                variant = chosen.of(task)
                for cell in nb.cells:  # the answer cells: the only ones ann touched
                    if cell.get("id") == f"task{task}_fix":
                        cell.source = reference.reference_fix(variant)
                    if cell.get("id") == f"task{task}_explanation":
                        cell.source = variant.explanation_ru if lang == "ru" else variant.explanation_en
                nbformat.write(nb, str(folder / name))
        yield root, patch


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["ru", "en"])
def test_a_student_who_edited_nothing_is_told_nothing(published, lang):
    root, _ = published
    job = dataclasses.replace(job_of(root), submission=root / "staged" / lang / config.assignment())
    assert job.variant == "task1v2 task2v2 task3v2"
    notebooks = [config.kit().tasks[t].notebook for t in config.TASKS]
    problems = check_and_stage(root / lang / "ann" / config.assignment(), job.submission, notebooks,
                               job.release, variant_job.own_release(job))
    assert problems == []                          # no "nbgrader metadata ... was changed"
    seed_only = check_and_stage(root / lang / "ann" / config.assignment(), root / "seed" / lang /
                                config.assignment(), notebooks, job.release)
    assert any("`experiment`" in p.message or "experiment" in p.message for p in seed_only)  # it bites
    assert variant_job.problems(job) == []         # her own variant and token: no COPY?
    for notebook in notebooks:
        path = job.submission / f"{notebook}.ipynb"
        assert variant_job.edited_message(job, path) == "", notebook
        restored, _ = VariantCells().preprocess(assemble.build(notebooks.index(notebook) + 1),
                                                {"unique_key": notebook})
        assert edited_given_cells(restored, notebook, job) is None, notebook


@pytest.mark.slow
def test_an_edited_given_cell_is_still_told(published):
    root, _ = published
    job = dataclasses.replace(job_of(root), submission=root / "staged" / "edited" / config.assignment())
    src = root / "edited-src" / config.assignment()
    shutil.copytree(root / "ru" / "ann" / config.assignment(), src)
    path = src / "task2_optimizer.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.get("id") == "trainer":
            cell.source = cell.source.replace("p.mul_(0.91)", "p.mul_(1.0)")
    nbformat.write(nb, str(path))
    check_and_stage(src, job.submission, ["task2_optimizer"], job.release, variant_job.own_release(job))
    assert "`trainer`" in variant_job.edited_message(job, job.submission / "task2_optimizer.ipynb")
