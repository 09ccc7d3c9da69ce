"""Per-student variants without training: the families render from the seed's one source, nothing names a
cause, assignment is HMAC-keyed and pinnable, variants off changes nothing, copies are told apart."""
from __future__ import annotations

import dataclasses
import stat
import subprocess

import nbformat
import pytest
from fix_variants import SEED_ANSWERS
from variant_kit import KEY, variants_on

from nndebug import config
from nndebug.course import assemble
from nndebug.variants import assign, decoys, families, grading, render, rubric_point, secret

ALL = [v for t in families.FAMILIES for v in families.family(t)]
CAUSE_WORDS = ("decay", "penalty", "l2", "shuffle", "zero", "bug", "sorted", "order", "ошибка")


def test_every_task_has_at_least_four_variants_the_seed_first():
    for task in config.TASKS:
        variants = families.family(task)
        assert len(variants) >= 4
        assert [v.index for v in variants] == list(range(len(variants)))
        assert variants[0].is_seed and not variants[0].edits and not variants[0].fix


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_variant_0_is_the_seed_notebook(lang):
    for task in config.TASKS:
        seed = render.build(families.seed(task), lang)
        assert nbformat.writes(seed) == nbformat.writes(assemble.build(task, lang))


@pytest.mark.parametrize("variant", [v for v in ALL if not v.is_seed], ids=lambda v: v.key)
def test_a_variant_changes_given_code_only_and_names_no_cause(variant):
    seed, mine = assemble.build(variant.task), render.build(variant)
    assert [c.id for c in seed.cells] == [c.id for c in mine.cells]
    changed = {c.id for c, s in zip(mine.cells, seed.cells, strict=True) if c.source != s.source}
    solution_cells = {f"task{variant.task}_fix", f"task{variant.task}_explanation"}
    assert changed - solution_cells == {e.cell for e in variant.edits}
    for cell in mine.cells:
        if cell.id in {e.cell for e in variant.edits}:
            assert cell.cell_type == "code" and cell.metadata["nbgrader"]["locked"]
    for edit in variant.edits:
        assert "#" not in edit.new, f"{variant.key}: an edit adds a comment"
        # torch's own keyword (weight_decay=) is the API the seed uses too, not a name the kit gives
        added = edit.new.lower().replace(edit.old.lower(), "").replace("weight_decay=", "")
        assert not [w for w in CAUSE_WORDS if w in added], f"{variant.key}: an edit names its cause"
    assert variant.cause is not None and variant.summary


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_given_cells_tell_the_variants_apart_where_the_code_differs(lang):
    for task in (1, 2):
        for variant in families.family(task):
            assert grading.carried(render.build(variant, lang), task) == [variant]
    # Task 3's variants differ in the model file only: every one matches the cells.
    assert grading.carried(render.build(families.variant(3, 2)), 3) == list(families.family(3))


def test_variants_off_every_student_gets_the_seed():
    assert not config.kit().variants.enabled
    for student in ("alice", "bob", "s0001"):
        chosen = assign.assign(student)
        assert all(v.is_seed for v in chosen.variants.values())
    assert grading.label_for("alice") is None
    assert grading.stamp(None) == ""
    assert grading.check("alice", None, config.ROOT) == []


def test_assignment_is_keyed_deterministic_and_spread(monkeypatch, tmp_path):
    variants_on(monkeypatch, tmp_path)
    class_ = [f"s{i:03d}" for i in range(80)]
    first = {s: assign.assign(s).label for s in class_}
    assert first == {s: assign.assign(s).label for s in class_}
    for task in config.TASKS:
        used = {assign.assign(s).of(task).index for s in class_}
        assert used == set(range(len(families.family(task))))
    other_key = {s: assign.assign(s, b"\x01" * 32).label for s in class_}
    assert sum(first[s] != other_key[s] for s in class_) > 60


def test_pins_and_rerolls(monkeypatch, tmp_path):
    variants_on(monkeypatch, tmp_path)
    before = {s: assign.assign(s) for s in ("ann", "ben")}
    variants_on(monkeypatch, tmp_path, pins=("ann 1=3 3=0",), rerolls=("ben", "ben"))
    ann = assign.assign("ann")
    assert ann.of(1).index == 3 and ann.of(3).index == 0 and ann.of(2) == before["ann"].of(2)
    draws = [assign.draw(KEY, "ben", t, 2) for t in config.TASKS]
    assert [assign.assign("ben").of(t).index for t in config.TASKS] == draws
    variants_on(monkeypatch, tmp_path, pins=("ann 1=9",))
    with pytest.raises(KeyError, match="variants 0..3"):
        assign.assign("ann")


def test_the_secret_is_created_once_with_a_backup_message(monkeypatch, tmp_path, capsys):
    target = tmp_path / "keys" / "course.key"
    monkeypatch.setenv(secret.ENV, str(target))
    with pytest.raises(secret.SecretError, match="no course secret"):
        secret.load()
    key = secret.load(create=True)
    assert "BACK IT UP" in capsys.readouterr().err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600 and len(key) == secret.BYTES
    assert secret.load(create=True) == key and capsys.readouterr().err == ""
    target.write_text("not hex")
    with pytest.raises(secret.SecretError, match="restore"):
        secret.load()


def test_the_default_secret_file_is_ignored_by_git():
    name = config.kit().variants.secret_file
    ignored = subprocess.run(["git", "check-ignore", "-q", name], cwd=config.ROOT)
    assert ignored.returncode == 0


@pytest.mark.parametrize("variant", ALL, ids=lambda v: v.key)
def test_the_reference_explanation_names_the_variant_cause(variant):
    text = variant.explanation_ru or next(
        c.source for c in assemble.build(variant.task).cells if c.id == f"task{variant.task}_explanation")
    assert rubric_point.names_cause(variant, text)
    if variant.explanation_en:
        assert rubric_point.names_cause(variant, variant.explanation_en)


@pytest.mark.parametrize("variant", [v for v in ALL if not v.is_seed], ids=lambda v: v.key)
def test_the_seed_answer_misses_a_non_seed_cause(variant):
    assert not rubric_point.names_cause(variant, SEED_ANSWERS[variant.task])


def test_a_swapped_notebook_is_flagged_and_an_own_one_is_not(monkeypatch, tmp_path):
    variants_on(monkeypatch, tmp_path, pins=("ann 1=1 2=1", "ben 1=2 2=2"))
    for student in ("ann", "ben"):
        folder = tmp_path / student
        folder.mkdir()
        for task in (1, 2):
            nb = render.build(assign.assign(student).of(task))
            nb.metadata[grading.TOKEN_KEY] = {"owner": grading.owner_token(KEY, student)}
            nbformat.write(nb, folder / f"{config.kit().tasks[task].notebook}.ipynb")
    label = assign.assign("ann").label
    assert grading.check("ann", label, tmp_path / "ann") == []
    flagged = dict(grading.check("ann", label, tmp_path / "ben"))
    assert set(flagged) == {config.kit().tasks[t].notebook for t in (1, 2)}
    assert "task1v2" in flagged["task1_shuffle"] and "graded against task1v1" in flagged["task1_shuffle"]
    assert "owner token" in flagged["task2_optimizer"]


def test_grading_restores_the_given_cells_of_the_students_variant(monkeypatch, tmp_path):
    from nndebug.autograde import variant_job
    from nndebug.autograde.job import GradingJob
    from nndebug.autograde.preprocessors import VariantCells
    from nndebug.variants import models

    variants_on(monkeypatch, tmp_path, pins=("ann 1=0 2=2 3=1",))
    monkeypatch.setattr(models, "stale", lambda variant: [])
    plain = GradingJob(student="ann", assignment=config.assignment(), submission=tmp_path, evidence=tmp_path,
                       verdicts=tmp_path, release=tmp_path)
    job = variant_job.personal(dataclasses.replace(plain, variant=variant_job.resolve(tmp_path, "ann")))
    assert job.variant == "task1v0 task2v2 task3v1"
    assert job.inputs.model == models.model_file(families.variant(3, 1))
    assert job.inputs.model_for("task3_pretrained") == job.inputs.model
    assert GradingJob.from_env(job.to_env()) == job  # the variant travels in the job
    for name, value in job.to_env().items():
        monkeypatch.setenv(name, value)
    seed_nb = assemble.build(2)  # what nbgrader restores: the seed's given cells
    graded, _ = VariantCells().preprocess(seed_nb, {"unique_key": "task2_optimizer"})
    draw = decoys.student_draw("ann", KEY)  # the student's own cells: their variant, with their decoys
    assert {c.id: c.source for c in graded.cells if c.id in render.given_cells(families.variant(2, 2))} == \
        render.given_cells(families.variant(2, 2), draw=draw)
    assert grading.variant_of(job.variant, "task2_optimizer") == families.variant(2, 2)
    assert variant_job.context(job, "task3_pretrained")["variant_zeroed"] == families.variant(3, 1).zeroed
    assert variant_job.context(plain, "task3_pretrained") == {}
    seed_variant, _ = VariantCells().preprocess(assemble.build(1), {"unique_key": "task1_shuffle"})
    assert nbformat.writes(seed_variant) != nbformat.writes(assemble.build(1))  # the seed's bug, their decoys
    assert {c.id: c.source for c in seed_variant.cells if c.id in render.given_cells(families.seed(1))} == \
        render.given_cells(families.seed(1), draw=draw)


def test_the_variant_rubric_point_takes_a_third_and_leaves_variants_off_alone():
    from nndebug.verify import explanation

    variant = families.variant(2, 1)
    text = variant.explanation_ru
    plain = explanation.verdict(2, text)[0].fraction
    with_point = explanation.verdict(2, text, "", rubric_point.rule(variant))[0].fraction
    assert plain == 1 and with_point == 1
    seed_text = SEED_ANSWERS[2]
    seed_plain = explanation.verdict(2, seed_text)[0].fraction
    assert explanation.verdict(2, seed_text, "", rubric_point.rule(variant))[0].fraction == pytest.approx(
        seed_plain * (1 - rubric_point.CAUSE_SHARE), abs=1e-3)


def test_variants_settings_are_typed_and_optional(tmp_path):
    from nndebug.settings import SettingsError, Variants, parse

    text = config.SETTINGS_FILE.read_text(encoding="utf-8")
    head, _, _ = text.partition("[variants]")
    (tmp_path / "kit.toml").write_text(head)
    assert parse(tmp_path / "kit.toml").variants == Variants()
    (tmp_path / "kit.toml").write_text(head + '[variants]\nenabled = "yes"\n')
    with pytest.raises(SettingsError, match="enabled"):
        parse(tmp_path / "kit.toml")
    (tmp_path / "kit.toml").write_text(head + "[variants]\npin = []\n")
    with pytest.raises(SettingsError, match="no setting 'pin'"):
        parse(tmp_path / "kit.toml")


def test_given_cells_are_checked_against_the_students_own_variant_in_either_language(monkeypatch, tmp_path):
    from nndebug.autograde import variant_job
    from nndebug.autograde.job import GradingJob

    variants_on(monkeypatch, tmp_path, pins=("ann 1=3 2=1 3=0",))
    job = GradingJob(student="ann", assignment=config.assignment(), submission=tmp_path, evidence=tmp_path,
                     verdicts=tmp_path, release=tmp_path, variant=variant_job.resolve(tmp_path, "ann"))
    for lang in ("ru", "en"):
        path = tmp_path / lang / "task1_shuffle.ipynb"
        assemble.write(render.build(families.variant(1, 3), lang), path)
        assert variant_job.edited_message(job, path) == ""
    other = tmp_path / "other" / "task1_shuffle.ipynb"
    assemble.write(render.build(families.variant(1, 1)), other)
    assert "`trainer`" in variant_job.edited_message(job, other)
    assert "`experiment`" in variant_job.edited_message(job, other)  # v3 sorts the table there, v1 not


@pytest.mark.parametrize("variant", ALL, ids=lambda v: v.key)
def test_a_variants_english_given_code_is_its_russian_code_in_english(variant):
    """English feedback shows the given code as english(restored Russian code): the variant's own too."""
    from nndebug.course.language import english

    russian, english_cells = render.given_cells(variant, "ru"), render.given_cells(variant, "en")
    assert {k: english(v) for k, v in russian.items()} == english_cells


def test_ci_refuses_variants_without_the_course_secret_and_never_creates_one(monkeypatch, tmp_path, capsys):
    from nndebug.variants.__main__ import main

    monkeypatch.delenv(secret.ENV, raising=False)
    monkeypatch.delenv(secret.SECRET_VAR, raising=False)
    monkeypatch.delenv(secret.ROSTER_VAR, raising=False)
    key_file = variants_on(monkeypatch, tmp_path)
    key_file.unlink()
    roster = tmp_path / "roster.csv"
    with pytest.raises(secret.SecretError, match=r"COURSE_SECRET.*gh secret set COURSE_SECRET"):
        secret.from_environment(True, need_roster=True, environ={}, roster_file=roster)
    monkeypatch.setenv(secret.NO_NEW, "1")          # what the workflows set: make publish creates none
    with pytest.raises(secret.SecretError, match="thrown away"):
        secret.load(create=True)
    assert not key_file.exists()
    assert main(["ci-secrets", "--for", "publish"]) == 2
    assert "COURSE_SECRET" in capsys.readouterr().err and not key_file.exists()
    with pytest.raises(secret.SecretError, match="ROSTER_CSV"):  # publishing also needs the roster
        secret.from_environment(True, need_roster=True, environ={secret.SECRET_VAR: KEY.hex()},
                                roster_file=roster)
    assert secret.load() == KEY and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    rows = "student_id,full_name,email\ns1,Ann Lee,ann@example.edu\n"
    done = secret.from_environment(True, need_roster=True, roster_file=roster,
                                   environ={secret.SECRET_VAR: KEY.hex(), secret.ROSTER_VAR: rows})
    assert roster.read_text() == rows and any("written" in line for line in done)
    with pytest.raises(secret.SecretError, match="other contents"):  # an instructor's file is never replaced
        secret.from_environment(True, need_roster=False, environ={secret.SECRET_VAR: "ab" * 16})
    assert secret.load() == KEY


def test_ci_needs_no_secret_with_variants_off(monkeypatch, tmp_path):
    monkeypatch.delenv(secret.ENV, raising=False)
    monkeypatch.setenv(secret.ENV, str(tmp_path / "none.key"))
    done = secret.from_environment(False, need_roster=True, environ={}, roster_file=tmp_path / "roster.csv")
    assert "no course secret or roster needed" in done[-1] and not (tmp_path / "none.key").exists()
