"""Decoys (docs/variants.md): every pair of a class's notebooks, and each against the shared example, differs
in many harmless lines; the decoyed cells do what the seed's do; publish and grading generate the same cells;
the similarity report neither gains nor loses a pair by them. Generation only, but for one short run of the
given classes on a few generated digits."""
from __future__ import annotations

import ast
import types

import nbformat
import numpy as np
import pytest
from fix_variants import TASK1
from variant_kit import KEY, variants_on

from nndebug import config
from nndebug.course import assemble
from nndebug.course.language import english
from nndebug.course.nbcells import is_given, meta
from nndebug.variants import decoys, diffs, families, grading, render

ALL = [v for t in families.FAMILIES for v in families.family(t)]
DRAWS = (1, 2, 3, 2**63 + 5)
SHARED = ("imports", "mnist_dataset", "resnet18", "trainer")


@pytest.mark.slow  # seconds each: the full tier
def test_every_pair_of_a_class_of_thirty_differs_in_twenty_lines_or_more():
    for figures in diffs.measure(30, KEY):
        assert figures.pair_min >= 20 and figures.seed_min >= 20, figures


def test_the_measure_counts_changed_lines():
    assert diffs.changed_lines("a\nb\nc", "a\nB\nc\nd") == 3
    assert diffs.changed_lines("a\nb", "a\nb") == 0


@pytest.mark.slow  # seconds each: the full tier
@pytest.mark.parametrize("lang", ["ru", "en"])
def test_decoys_are_deterministic_and_touch_given_cells_only(lang):
    for variant in ALL:
        plain = render.build(variant, lang)
        mine = render.build(variant, lang, DRAWS[0])
        assert nbformat.writes(mine) == nbformat.writes(render.build(variant, lang, DRAWS[0]))
        assert nbformat.writes(mine) != nbformat.writes(render.build(variant, lang, DRAWS[1]))
        assert [(c.id, c.cell_type, c.metadata) for c in mine.cells] == \
               [(c.id, c.cell_type, c.metadata) for c in plain.cells]
        for cell, before in zip(mine.cells, plain.cells, strict=True):
            if meta(cell) and not is_given(cell):  # answers and tests
                assert cell.source == before.source
            if cell.id in ("setup", "train", "train_fixed"):
                assert cell.source == before.source
        # every given cell a variant may edit differs from the shared example in every draw
        seed = {c.id: c.source for c in assemble.build(variant.task, lang).cells}
        for draw in DRAWS:
            cells = {c.id: c.source for c in render.build(variant, lang, draw).cells}
            assert all(cells[k] != seed[k] for k in (*SHARED, "experiment")), (variant.key, draw)


@pytest.mark.parametrize("variant", ALL, ids=lambda v: v.key)
def test_the_english_given_code_is_the_russian_in_english_with_decoys_too(variant):
    for draw in DRAWS:
        russian, english_cells = (render.given_cells(variant, lang, draw) for lang in ("ru", "en"))
        assert {k: english(v) for k, v in russian.items()} == english_cells


def _normalised(source: str, cell_id: str) -> str:
    """The cell's AST with the decoys' renames undone, numbers as floats, and every body's statements (and a
    class's methods) as a sorted multiset: what the decoys may change, normalised away."""
    tree = ast.parse(source)
    for _, rule in decoys.SITES.get(cell_id, ()):
        if isinstance(rule, decoys.Rename):
            back = {new: old for option in rule.options
                    for old, new in zip(rule.options[0], option, strict=True)}
            for node in ast.walk(decoys._function(tree, rule.scope)):
                if isinstance(node, ast.Name):
                    node.id = back.get(node.id, node.id)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            node.value = float(node.value)
        if isinstance(node, ast.ImportFrom):
            node.names.sort(key=lambda alias: alias.name)
        if isinstance(node, ast.Call):
            node.keywords.sort(key=lambda keyword: keyword.arg or "")

    def sort(node: ast.AST) -> str:
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)):
            inner = sorted(sort(child) for child in node.body)
            head = ast.dump(node, include_attributes=False).split("body=")[0]
            return f"{head}[{'|'.join(inner)}]"
        return ast.dump(node)

    return sort(tree)


@pytest.mark.parametrize("variant", ALL, ids=lambda v: v.key)
def test_decoyed_code_compiles_and_is_the_same_code(variant):
    plain = render.given_cells(variant)
    for draw in DRAWS:
        for cell_id, source in render.given_cells(variant, draw=draw).items():
            compile(source, cell_id, "exec")
            if cell_id in decoys.SITES or decoys._kind(cell_id) in decoys.SITES:
                assert _normalised(source, decoys._kind(cell_id)) == \
                       _normalised(plain[cell_id], decoys._kind(cell_id)), (variant.key, draw, cell_id)


def _classes(cells: dict[str, str]) -> types.ModuleType:
    module = types.ModuleType("notebook")
    for name in SHARED:
        exec(compile(cells[name], name, "exec"), module.__dict__)  # noqa: S102 - the kit's own cells
    return module


@pytest.mark.slow  # seconds each: the full tier
def test_the_given_classes_run_the_same(tmp_path):
    """The seed's given classes and two students' decoyed ones: the same methods and signatures, the same
    items, and one training step from one seed to the same weights and log line."""
    import inspect

    import cv2
    import torch

    rng = np.random.default_rng(0)
    images = tmp_path / "images"
    images.mkdir()
    rows = ["image_name,label"]
    for i in range(12):
        cv2.imwrite(str(images / f"{i:03d}.png"), rng.integers(0, 255, (28, 28, 3), dtype=np.uint8))
        rows.append(f"{i:03d},{i % 10}")
    (tmp_path / "table.csv").write_text("\n".join(rows) + "\n")
    variant = families.variant(2, 3)
    runs = []
    for draw in (None, *DRAWS[:2]):
        module = _classes(render.given_cells(variant, draw=draw))
        dataset = module.MNISTDataset(images_dir_path=str(images),
                                      description_csv_path=str(tmp_path / "table.csv"))
        torch.manual_seed(0)
        model = module.ResNet18()
        opt = torch.optim.SGD(model.parameters(), lr=1e-2)
        trainer = module.Trainer(model=model, optimizer=opt, train_dataset=dataset, val_dataset=dataset,
                                 tboard_log_dir=str(tmp_path / f"log{draw}"), batch_size=6)
        trainer.train(1)
        methods = {name: {m: str(inspect.signature(f)) for m, f in vars(getattr(module, name)).items()
                          if callable(f) or isinstance(f, staticmethod)}
                   for name in ("MNISTDataset", "ResNet18", "Trainer")}
        runs.append((methods, [dataset[i]["label"] for i in range(12)], dataset[3]["sample"],
                     [p.detach().clone() for p in model.parameters()], trainer.global_step))
    for methods, labels, sample, weights, steps in runs[1:]:
        assert methods == runs[0][0] and labels == runs[0][1] and steps == runs[0][4]
        assert np.array_equal(sample, runs[0][2])
        assert all(torch.equal(a, b) for a, b in zip(weights, runs[0][3], strict=True))


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_publish_decoys_the_released_notebook_as_grading_regenerates_it(lang):
    """``make publish`` decoys the released notebook; grading renders the source with the same draw: the
    given cells are the same text, and the checksums are written anew."""
    from nbgrader.utils import compute_checksum

    from nndebug.variants import publish

    folder = config.RELEASE_DIR / (config.assignment() if lang == "ru" else f"{config.assignment()}_en")
    for task in config.TASKS:
        released = nbformat.read(str(folder / f"{config.notebook(task)}.ipynb"), as_version=4)
        mine = publish._checksums(decoys.apply(released, task, DRAWS[0]), None)
        ours = render.build(families.seed(task), lang, DRAWS[0])
        given = {c.id: c.source for c in ours.cells if is_given(c)}
        assert {c.id: c.source for c in mine.cells if is_given(c)} == given
        for cell in mine.cells:
            if "checksum" in meta(cell):
                assert meta(cell)["checksum"] == compute_checksum(cell)


@pytest.mark.slow  # seconds each: the full tier
def test_grading_sees_through_the_decoys_of_the_owner(monkeypatch, tmp_path):
    variants_on(monkeypatch, tmp_path, pins=("ann 1=1 2=3", "ben 1=2 2=3"))
    for student in ("ann", "ben"):
        folder = tmp_path / student
        folder.mkdir()
        token = grading.owner_token(KEY, student)
        for task in (1, 2):
            variant = grading.assign.assign(student).of(task)
            nb = render.build(variant, draw=decoys.draw_for(KEY, token))
            nb.metadata[grading.TOKEN_KEY] = {"owner": token}
            assert grading.carried(nb, task) == [variant]
            nbformat.write(nb, folder / f"{config.notebook(task)}.ipynb")
            assert grading.edited_given(grading.assign.assign(student),
                                        folder / f"{config.notebook(task)}.ipynb") == []
    ann = grading.label_for("ann")
    assert grading.check("ann", ann, tmp_path / "ann") == []
    flagged = dict(grading.check("ann", ann, tmp_path / "ben"))
    assert "carries variant task1v2" in flagged["task1_shuffle"]
    assert "owner token" in flagged["task2_optimizer"] and "carries variant" not in flagged["task2_optimizer"]
    # ben's trainer cell in ann's notebook: edited against ann's own cells
    nb = nbformat.read(str(tmp_path / "ann" / "task2_optimizer.ipynb"), as_version=4)
    theirs = nbformat.read(str(tmp_path / "ben" / "task2_optimizer.ipynb"), as_version=4)
    trainer = next(c for c in theirs.cells if c.id == "trainer").source
    next(c for c in nb.cells if c.id == "trainer").source = trainer
    path = tmp_path / "edited" / "task2_optimizer.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, path)
    assert grading.edited_given(grading.assign.assign("ann"), path) == ["trainer"]


def _fix(cells: dict[str, str]) -> str:
    """What many students hand in for task 1: their given trainer copied with ``shuffle=True``, rebuilt."""
    trainer = cells["trainer"].replace("shuffle=False", "shuffle=True")
    return trainer + "\n\n" + families.REBUILD_TASK1


@pytest.mark.slow  # seconds each: the full tier
def test_the_similarity_report_ignores_the_given_cells_of_each_student(monkeypatch, tmp_path):
    from nndebug.similarity import compare, extract

    variants_on(monkeypatch, tmp_path, pins=tuple(f"s{i:02d} 1=0" for i in range(8)))
    students = [f"s{i:02d}" for i in range(8)]
    draws = {s: decoys.student_draw(s, KEY) for s in students}
    answers = {s: {(1, "fix"): _fix(render.given_cells(families.seed(1), draw=draws[s]))} for s in students}
    plain = {(1, "fix"): _fix(render.given_cells(families.seed(1)))}
    answers["s00"][(1, "fix")] += "\n\n" + TASK1[4].code  # something of their own, and a copy of it
    authors = [extract.Author(s, "student", a) for s, a in answers.items()]
    authors.append(extract.Author("copy", "student", answers["s00"]))
    release = extract.release_boilerplate()
    own = extract.joined(release, extract.own_given(students))
    threshold = config.kit().similarity.threshold

    def strengths(boilerplate: extract.Boilerplate, class_: list[extract.Author]) -> dict[frozenset, float]:
        pairs = compare.compare(class_, boilerplate, config.kit().similarity.common_share, (1,))
        return {frozenset((p.a.name, p.b.name)): p.strength for p in pairs}

    found = strengths(own, authors)
    assert found.get(frozenset(("s00", "copy")), 0) >= threshold  # a copy is still a copy
    honest = max((v for k, v in found.items() if "copy" not in k), default=0.0)
    undecoyed = strengths(release, [extract.Author(s, "student", plain) for s in students[:2]])
    assert honest < threshold and honest <= max(undecoyed.values(), default=0.0) + 0.05
    assert extract.own_given([]) == extract.Boilerplate((), ())
