"""`make publish` with variants on and a roster of 30: a tree per student under an opaque token, their own
variant, badge, owner token and task-3 model (hash checked), links per student, and a clean leak scan."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import nbformat
import pytest
from variant_kit import KEY, variants_on

from nndebug import config
from nndebug.course import colab, record
from nndebug.course.record import sha256_of
from nndebug.publish import tree
from nndebug.variants import assign, grading, models
from nndebug.variants import publish as variant_publish

STUDENTS = [(f"s{i:04d}", f"Студент Номер{i}", f"student{i}@example.edu") for i in range(30)]


@pytest.fixture(scope="module")
def published(tmp_path_factory, variant_models) -> tuple[tree.Published, Path]:
    base = tmp_path_factory.mktemp("variants-publish")
    roster = base / "roster.csv"
    with open(roster, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["student_id", "full_name", "email"])
        out.writerows(STUDENTS)
    with pytest.MonkeyPatch.context() as patch:
        variants_on(patch, base)
        patch.setattr(record, "RECORD_FILE", base / "published.json")
        def extra(dist, student, assets, stack):
            return variant_publish.write_trees(dist, student, assets, stack, roster)[1]

        done = tree.publish(base / "dist", release_root=base, extra=extra)
        yield done, base


def test_every_student_gets_a_tree_of_their_own_variants(published, monkeypatch, tmp_path):
    done, base = published
    variants_on(monkeypatch, base)
    trees = sorted((done.student / variant_publish.TREES).iterdir())
    assert len(trees) == len(STUDENTS)
    by_token = {grading.owner_token(KEY, sid): sid for sid, _, _ in STUDENTS}
    assert {t.name for t in trees} == set(by_token)
    for folder in trees:
        chosen = assign.assign(by_token[folder.name], KEY)
        for task in config.TASKS:
            name = f"{config.kit().tasks[task].notebook}.ipynb"
            for path in (folder / name, folder / "en" / name):
                nb = nbformat.read(str(path), as_version=4)
                assert nb.metadata[grading.TOKEN_KEY]["owner"] == folder.name
                assert chosen.of(task) in grading.carried(nb, task)
                badge = nb.cells[0].source
                assert f"/s/{folder.name}/" in badge
                if task == 3:
                    setup = next(c.source for c in nb.cells if c.get("id") == "setup")
                    asset = variant_publish.model_asset(chosen.of(task))
                    assert colab.release_asset_url(asset) in setup
                    assert repr(sha256_of(models.model_file(chosen.of(task)))) in setup
                    assert sha256_of(done.assets / asset) == sha256_of(models.model_file(chosen.of(task)))


def test_the_public_tree_names_no_student_and_no_variant(published):
    done, _ = published
    text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in done.student.rglob("*")
                     if p.is_file())
    for sid, name, email in STUDENTS:
        assert sid not in text and email not in text and name not in text
    assert not re.search(r"task\dv\d", text)
    assert all(re.fullmatch(r"pretrained_model(_[0-9a-f]{12})?\.pt|mnist_data\.zip", p.name)
               for p in done.assets.iterdir())


def test_links_per_student_for_the_lms(published):
    done, _ = published
    dist = done.student.parent
    rows = list(csv.DictReader(open(dist / "links.csv", encoding="utf-8")))
    assert [r["student_id"] for r in rows] == [s for s, _, _ in STUDENTS]
    for row in rows:
        links = [v for k, v in row.items() if k.endswith(".ipynb")]
        assert len(links) == 2 * len(config.TASKS)
        assert all(link.startswith("https://colab.research.google.com/github/") for link in links)
        text = (dist / "links" / f"{row['student_id']}.txt").read_text(encoding="utf-8")
        assert all(link in text for link in links)
    assert not (done.student / "links.csv").exists()


def test_sums_cover_the_student_trees_and_the_leak_scan_passes(published):
    done, _ = published
    sums = dict(reversed(line.split("  ", 1)) for line in
                (done.student / tree.SUMS_FILE).read_text().splitlines())
    for path in done.student.rglob("*.ipynb"):
        assert sums[path.relative_to(done.student).as_posix()] == sha256_of(path)
    # tree.publish ran the leak scan over every tree (a leak raises PublishError and removes the tree)
    record_json = json.loads((done.student.parent.parent / "published.json").read_text())
    assert record_json["release_tag"] == config.kit().course.release_tag
