"""The similarity report: copies flagged, honest students not, what everybody writes no evidence."""
from __future__ import annotations

import json
import random
import subprocess
import sys
import tomllib

import pytest
from similarity_class import build_class, disguise_code, write_class

from nndebug import config
from nndebug.rubric import corpus as rubric_corpus
from nndebug.similarity import code, extract, text
from nndebug.similarity.compare import compare
from nndebug.similarity.weighting import Rarity, candidate_pairs

SEED_FILE = config.ROOT.parent / "shared" / "seed" / "nn_debug_homework.txt"
THRESHOLD = config.kit().similarity.threshold


def root_of(made, name: str) -> str:
    while name in made.copies:
        name = made.copies[name]
    return name


def class_pairs(made):
    authors = [extract.Author(n, "student", a) for n, a in made.students.items()]
    authors += [extract.Author(f"archive:{n}", "archive", a) for n, a in made.archive.items()]
    authors += [extract.seed_author(), *extract.reference_authors()]
    return compare(authors, extract.release_boilerplate(), config.kit().similarity.common_share, config.TASKS)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_copy_flagged_and_no_honest_pair(seed):
    made = build_class(seed=seed)
    assert len(made.honest) >= 30 and len(made.copies) >= 10
    pairs = class_pairs(made)
    flagged = [p for p in pairs if p.strength >= THRESHOLD]
    found = {frozenset((p.a.name, p.b.name)) for p in flagged}
    missed = [(c, s) for c, s in made.copies.items() if frozenset((c, s)) not in found]
    assert not missed, f"copies not flagged: {missed}"
    # A flagged pair is right when both go back to one source (two copies of one student are a pair too).
    wrong = [(p.a.name, p.b.name, round(p.strength, 2)) for p in flagged
             if root_of(made, p.a.name) != root_of(made, p.b.name)]
    assert len(wrong) <= 1, f"honest pairs flagged: {wrong}"


def test_what_everybody_writes_is_no_evidence():
    """The same sentence in most of the class, the stubs, the given code: no pair."""
    common = "Данные не перемешиваются, потому что в DataLoader стоит shuffle=False, а надо shuffle=True."
    students = []
    corpus = [a.text for a in rubric_corpus.load() if a.task == 1]
    for i in range(20):
        answers = {(1, "explanation"): (common + " " + corpus[i]) if i % 2 else corpus[i] + " " + common,
                   (1, "fix"): ""}
        students.append(extract.Author(f"s{i}", "student", answers))
    untouched = extract.notebook_answers(json.loads(
        (config.RELEASE_DIR / config.assignment() / "task1_shuffle.ipynb").read_text(encoding="utf-8")))
    students += [extract.Author(f"blank{i}", "student", untouched) for i in range(2)]
    pairs = compare(students, extract.release_boilerplate(), 0.5, (1,))
    assert not [p for p in pairs if p.strength >= THRESHOLD]
    assert not [p for p in pairs if p.a.name.startswith("blank") and p.b.name.startswith("blank")]


def test_code_renamed_and_reordered_keeps_its_fingerprints():
    from fix_variants import TASK1

    original = TASK1[4].code
    disguised = disguise_code(original, random.Random(1))
    assert "InterleavedClasses" not in disguised and "pools" not in disguised
    common = code.boilerplate(extract.release_boilerplate().code)
    a, b = code.fingerprints(original, common), code.fingerprints(disguised, common)
    assert len(a.hashes & b.hashes) >= 0.8 * len(a.hashes)
    # The reference: the given Trainer copied whole with shuffle=True; what is left is its last lines.
    given = code.fingerprints(extract.reference_authors()[0].answers[(1, "fix")], common)
    assert len(given.hashes) < 0.1 * len(a.hashes)


def test_shingles_are_lemmas_within_sentences():
    one = set(text.shingles("Данные не перемешиваются. Батчи состоят из одного класса."))
    two = set(text.shingles("Батч состоит из одного класса! Данные не перемешиваются."))
    assert one == two
    assert ("батч", "состоять") in one and not any("перемешиваться" in s and "батч" in s for s in one)


def test_seed_answers_are_the_seed_notebooks():
    if not SEED_FILE.is_file():
        pytest.skip(f"no {SEED_FILE}")
    seed = SEED_FILE.read_text(encoding="utf-8").splitlines()
    lines = {line.rstrip() for line in seed}
    with open(extract.SEED_FILE, "rb") as fh:
        data = tomllib.load(fh)
    for task, table in data.items():
        for part, answer in table.items():
            missing = [line for line in answer.splitlines() if line.strip() and line.rstrip() not in lines]
            assert not missing, f"{task}.{part}: not in the seed notebook: {missing[:2]}"


@pytest.mark.slow  # over a few seconds: kept out of make test-fast's two minutes
def test_report_written_by_the_command(tmp_path):
    made = build_class(seed=0)
    write_class(made, tmp_path)
    (tmp_path / "submitted" / "broken" / "nn_debug").mkdir(parents=True)
    (tmp_path / "submitted" / "broken" / "nn_debug" / "task1_shuffle.ipynb").write_text("{not json")
    proc = subprocess.run([sys.executable, "-m", "nndebug", "similarity", "--root", str(tmp_path),
                           "--archive", "archive"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "pair(s) flagged" in proc.stdout
    md = (tmp_path / "autograded" / "similarity.md").read_text(encoding="utf-8")
    page = (tmp_path / "autograded" / "similarity.html").read_text(encoding="utf-8")
    assert "Nothing here changes a grade" in md and "copy_archive and archive:2025/petrov" in md
    assert "copy_seed_disguised and seed" in md and "submitted/broken/nn_debug/task1_shuffle.ipynb" in md
    assert page.count("<mark>") > 20 and "copy_sampler_code" in page
    # ranked by strength
    strengths = [float(line.rsplit(" ", 1)[1]) for line in md.splitlines()
                 if line.startswith("## ") and line[3].isdigit()]
    assert strengths == sorted(strengths, reverse=True) and min(strengths) >= THRESHOLD


def test_bad_archive_setting_is_named(tmp_path):
    (tmp_path / "submitted").mkdir()
    proc = subprocess.run([sys.executable, "-m", "nndebug", "similarity", "--root", str(tmp_path),
                           "--archive", "old_years"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "[similarity] archive = 'old_years'" in proc.stderr


def test_autograde_keeps_going_when_the_report_fails(tmp_path, monkeypatch):
    from nndebug import similarity
    from nndebug.autograde.grade import Course, write_similarity

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(similarity, "run", broken)
    assert write_similarity(Course(root=tmp_path)) == "Similarity report not written: OSError: disk full"


def test_rare_features_find_pairs_without_all_pairs():
    """300 documents that share only what everybody writes: no candidate pair at all."""
    docs = {i: {"everybody", "half" if i % 2 else "other half", f"own{i}"} for i in range(300)}
    rarity = Rarity.of(docs.values(), 0.5)
    assert candidate_pairs(docs, rarity, set()) == set()
    docs[7].add("own8")
    assert candidate_pairs(docs, Rarity.of(docs.values(), 0.5), set()) == {(7, 8)}


@pytest.mark.slow  # over a few seconds: kept out of make test-fast's two minutes
def test_html_page_in_a_browser(tmp_path):
    from browser import screenshot

    made = build_class(seed=0)
    write_class(made, tmp_path)
    from nndebug import similarity

    outcome = similarity.run(tmp_path, archive="archive")
    png = screenshot(outcome.html, tmp_path / "similarity.png", width=1200, height=900)
    assert png.is_file() and png.stat().st_size > 20_000


def test_summary_ends_with_the_flagged_pairs(tmp_path):
    from nndebug.commands.summary import similarity_lines

    assert "no similarity.md yet" in similarity_lines(tmp_path / "similarity.md")[0]
    report = tmp_path / "similarity.md"
    report.write_text("# Similarity\n\n## 1. ann and seed: strength 0.91\n\n## Under the threshold\n")
    lines = similarity_lines(report)
    assert "1 pair(s) flagged" in lines[0] and lines[1:] == ["  1. ann and seed: strength 0.91"]
