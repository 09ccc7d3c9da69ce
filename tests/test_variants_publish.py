"""`make publish` with variants on and a roster of 30: a tree per student under an opaque token, their own
variant, badge, owner token and task-3 model (hash checked), a README that sends each student to their own
link, what to send them per LMS (their language first), every model recorded, and a clean leak scan."""
from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path

import nbformat
import pytest
from variant_kit import KEY, variants_on

from nndebug import config
from nndebug.commands import publish as publish_verb
from nndebug.course import colab, record
from nndebug.course.record import sha256_of
from nndebug.publish import tree
from nndebug.variants import assign, families, grading, models
from nndebug.variants import publish as variant_publish

STUDENTS = [(f"s{i:04d}", f"Студент Номер{i}", f"student{i}@example.edu") for i in range(30)]
LANGUAGE = {sid: ("en", "ru", "")[i % 3] for i, (sid, _, _) in enumerate(STUDENTS)}   # "": ru
LMS_ID = {sid: str(500 + i) for i, (sid, _, _) in enumerate(STUDENTS) if i % 5}   # every fifth has none


@pytest.fixture(scope="module")
def published(tmp_path_factory, variant_models) -> tuple[tree.Published, Path]:
    base = tmp_path_factory.mktemp("variants-publish")
    roster = base / "roster.csv"
    with open(roster, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["student_id", "full_name", "email", "lms_id", "language"])
        out.writerows([*row, LMS_ID.get(row[0], ""), LANGUAGE[row[0]]] for row in STUDENTS)
    with pytest.MonkeyPatch.context() as patch:
        variants_on(patch, base)
        patch.setattr(record, "RECORD_FILE", base / "published.json")
        done = tree.publish(base / "dist", release_root=base, extra=publish_verb.variant_trees(roster),
                            variant_models=variant_publish.model_assets())
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


def own_tree(done: tree.Published, sid: str) -> Path:
    return done.student / variant_publish.TREES / grading.owner_token(KEY, sid)


def test_the_readme_sends_each_student_to_their_own_link_and_offers_no_shared_notebook(published):
    done, _ = published
    # no notebook outside the per-student trees: nothing there to take for one's own
    top = sorted(p.name for p in done.student.iterdir())
    assert top == ["README.md", tree.SUMS_FILE, variant_publish.TREES]
    text = (done.student / "README.md").read_text(encoding="utf-8")
    assert "colab.research.google.com" not in text and ".ipynb)" not in text
    for needle in ("личной ссылке", "`s/<код>/`", "Общих тетрадок для сдачи здесь нет",
                   "personal link", "`s/<code>/`", "There are no shared notebooks to hand in here",
                   "Open only your own links", "your folder's README names", "How to hand in"):
        assert needle in text, needle


def test_each_tree_readme_links_its_notebooks_and_names_its_own_model_file(published, monkeypatch):
    done, base = published
    variants_on(monkeypatch, base)
    for sid, _, _ in STUDENTS[:6]:
        folder = own_tree(done, sid)
        text = (folder / "README.md").read_text(encoding="utf-8")
        links = [line for line in text.splitlines() if "colab.research.google.com" in line]
        assert len(links) == 2 * len(config.TASKS) and all(f"/s/{folder.name}/" in x for x in links)
        asset = variant_publish.model_asset(assign.assign(sid, KEY).of(3))
        assert f"`{asset}`" in text and (asset == record.MODEL_NAME) == ("`pretrained_model.pt`." not in text)
        en, ru = text.index("## Your notebooks"), text.index("## Ваши тетрадки")
        assert (en < ru) == (LANGUAGE[sid] == "en")


def test_link_files_and_the_csv_put_the_students_language_first(published):
    done, _ = published
    dist = done.student.parent
    rows = {r["student_id"]: r for r in csv.DictReader(open(dist / "links.csv", encoding="utf-8"))}
    for sid, name, email in STUDENTS:
        row, lang = rows[sid], LANGUAGE[sid] or "ru"
        assert (row["full_name"], row["email"], row["language"]) == (name, email, lang)
        own = variant_publish.StudentTree(sid, own_tree(done, sid).name, {})
        assert row["link"] == variant_publish.page(own)
        lines = (dist / "links" / f"{sid}.txt").read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("Your notebooks" if lang == "en" else "Ваши тетрадки")
        first_link = next(line for line in lines if "colab.research.google.com" in line)
        assert first_link.startswith("en/") == (lang == "en")
        assert row["link"] in "\n".join(lines)


def test_the_moodle_form_is_one_participant_folder_a_student(published):
    done, _ = published
    with zipfile.ZipFile(done.student.parent / variant_publish.MOODLE_ZIP) as archive:
        names = archive.namelist()
        expected = {f"{name}_{LMS_ID[sid]}_assignsubmission_file_/{variant_publish.MOODLE_FILE}": sid
                    for sid, name, _ in STUDENTS if sid in LMS_ID}
        assert sorted(names) == sorted(expected)
        for entry, sid in expected.items():
            page = archive.read(entry).decode()
            links = (done.student.parent / "links" / f"{sid}.txt").read_text(encoding="utf-8")
            urls = re.findall(r"https://\S+", links)
            assert urls and all(f'<a href="{url}">' in page for url in urls)


def test_publish_says_what_to_send_and_how_and_records_every_model(published):
    done, _ = published
    lines = "\n".join(publish_verb.summary(done))
    assets = sorted(p.name for p in done.assets.iterdir())
    assert len(assets) == 2 + len(families.family(3)) - 1
    assert all(f"  {name}  sha256 {sha256_of(done.assets / name)}" in lines for name in assets)
    for needle in ("links.csv", "links/<student_id>.txt", variant_publish.MOODLE_ZIP, "Moodle", "Canvas",
                   "Upload multiple feedback files in a zip",
                   f"{len(STUDENTS) - len(LMS_ID)} without a Moodle"):
        assert needle in lines, needle
    made = record.read_record(done.student.parent.parent / "published.json")
    assert set(made.variant_models) == {v.key for v in families.family(3)[1:]}
    assert {made.sha256[n] for n in made.variant_models.values()} == \
        {sha256_of(models.model_file(v)) for v in families.family(3)[1:]}


def test_write_moodle_files_is_moodles_feedback_zip_layout(tmp_path):
    from nndebug.collect.roster import Student
    from nndebug.outbound import feedback

    ann, bob, cy = (Student("s1", "Ann Lee", "a@x", "41"), Student("s2", "Bob_Ray", "b@x", ""),
                    Student("s3", "Cy Do", "c@x", ""))
    made = feedback.write_moodle_files(tmp_path / "m.zip", [
        (ann, {}, [("links.html", b"A")]), (bob, {}, [("links.html", b"B")]),
        (cy, {"moodle": {"participant_id": "77", "full_name": "Cy Do"}}, [("links.html", b"C")])])
    assert made == (["s1", "s3"], ["s2"])
    with zipfile.ZipFile(tmp_path / "m.zip") as archive:
        assert archive.namelist() == ["Ann Lee_41_assignsubmission_file_/links.html",
                                      "Cy Do_77_assignsubmission_file_/links.html"]
