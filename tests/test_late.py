"""kit.toml [late]: the policy's arithmetic, its settings, and a late submission graded through nbgrader's
own late-penalty hook (gradebook, grades.csv, feedback and `make return` agree)."""
from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import pytest
import toy_course as toy

from nndebug import config, settings
from nndebug.autograde.late import Policy
from nndebug.settings import Return, SettingsError

KIT = config.settings_file().read_text(encoding="utf-8")
DAY = 86400
TEN_A_DAY = Policy(penalty=0.1, per="day", max_units=3, grace_minutes=15)


def kit_with(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    text = KIT
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / f"kit-{len(list(tmp_path.glob('kit-*.toml')))}.toml"   # one file each: parsed once
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("late_s, units", [(0, 0), (10 * 60, 0), (15 * 60 + 1, 1), (DAY, 1), (DAY + 1, 2),
                                           (2.5 * DAY, 3), (10 * DAY, 3)])
def test_a_started_day_counts_after_the_grace_up_to_the_cap(late_s, units):
    assert TEN_A_DAY.units(late_s) == units
    assert TEN_A_DAY.points(2.0, late_s) == pytest.approx(0.2 * units)


def test_per_hour_uncapped_never_takes_more_than_the_score():
    policy = Policy(penalty=0.05, per="hour")
    assert policy.units(3 * 3600 + 1) == 4 and policy.share(3 * 3600 + 1) == pytest.approx(0.2)
    assert policy.points(1.0, 100 * 3600) == 1.0
    assert "5% of the score per started hour late" in policy.describe()


@pytest.mark.parametrize("old, new, said", [
    ("penalty = 0\n", "penalty = -0.1\n", "must be at least 0"),
    ('\nper = "day"', '\nper = "week"', "must be one of 'day', 'hour'"),
    ("points_fix = 0.2", "points_fix = -0.2", "must be at least 0"),
    ("scale_to = 0", "scale_to = -10", "must be at least 0"),
    ('due = ""', 'due = "01.12.2026 23:59"', "not a date the kit reads without guessing"),
    ("# Hours added to the due date", 'petrov = "two days"\n#', "a table of numbers"),
])
def test_invalid_settings_are_refused_with_the_line(tmp_path, old, new, said):
    path = kit_with(tmp_path, (old, new))
    with pytest.raises(SettingsError, match=said):
        settings.parse(path)


def test_late_and_feedback_sections_may_be_left_out(tmp_path):
    start, end = KIT.index("\n[late]\n"), KIT.index("\n[return]\n")
    path = kit_with(tmp_path, (KIT[start:end], ""))
    kit = settings.parse(path)
    assert kit.late.penalty == 0 and kit.feedback.before_due == "measured"


@pytest.fixture
def late_kit(tmp_path, monkeypatch):
    """kit.toml with 10 % a day, at most 3 days, and a 48 h extension for ben; due 2026-11-30 12:00 UTC."""
    path = kit_with(tmp_path, ('due = ""', 'due = "2026-11-30 15:00 +0300"'),
                    ('timezone = "UTC"', 'timezone = "Europe/Moscow"'),
                    ("penalty = 0\n", "penalty = 0.1\n"), ("max_units = 0", "max_units = 3"),
                    ("# Hours added to the due date", "ben = 48\n#"))
    monkeypatch.setenv(config.KIT_ENV, str(path))      # the nbgrader processes read it too
    with config.use(path):
        yield path


@pytest.mark.slow
def test_a_late_submission_is_penalised_through_nbgrader_and_everything_agrees(tmp_path, late_kit):
    from nndebug.autograde.grade import Course, autograde
    from nndebug.autograde.limits import Limits
    from nndebug.autograde.stage import Inputs
    from nndebug.outbound.outbound import write_outbound

    root = toy.build(tmp_path / "course")
    data, model = toy.inputs(root)
    for student in ("ann", "ben", "cid"):
        toy.submit(root, student, toy.honest)
    stamps = {"ann": "2026-12-02 13:00:00", "ben": "2026-12-02 13:00:00", "cid": "2026-11-30 11:59:00"}
    for student, stamp in stamps.items():
        (root / "submitted" / student / toy.ASSIGNMENT / "timestamp.txt").write_text(stamp)
    course = Course(root=root, assignment=toy.ASSIGNMENT, inputs=Inputs(data, model),
                    limits=replace(Limits.from_settings(), cell_timeout_s=20, notebook_timeout_s=60))
    autograde(course, echo=lambda *_: None)
    with open(root / "grades.csv", newline="") as fh:
        grades = {r["student_id"]: r for r in csv.DictReader(fh)}
    # ann: 2 d 1 h late -> 3 started days -> 30 %; ben: 1 h past his extension -> 10 %; cid: on time
    assert [(grades[s]["raw_score"], grades[s]["late_submission_penalty"], grades[s]["score"])
            for s in ("ann", "ben", "cid")] == [("3", "0.9", "2.1"), ("3", "0.3", "2.7"), ("3", "0", "3")]
    page = (root / "feedback" / "ann" / toy.ASSIGNMENT / f"{toy.NOTEBOOK}.html").read_text()
    assert "Taken off in this notebook: 0.9 (score 3 -&gt; 2.1)" in page or \
        "Taken off in this notebook: 0.9 (score 3 -> 2.1)" in page
    assert "2026-11-30 15:00 MSK" in page and "10% of the score per started day late" in page
    assert "Score: 0.0 / 0.0" not in page
    index = (root / "feedback" / "ann" / toy.ASSIGNMENT / "index.html").read_text()
    assert "Total: 2.1 из / of 3" in index and "0.9 за опоздание" in index
    cid_page = (root / "feedback" / "cid" / toy.ASSIGNMENT / f"{toy.NOTEBOOK}.html").read_text()
    assert "Late submission" not in cid_page
    (root / "roster.csv").write_text("student_id,full_name,email\nann,Ann A,ann@x.example\n"
                                     "ben,Ben B,ben@x.example\ncid,Cid C,cid@x.example\n")
    lms = Return(canvas_assignment="T", moodle_grade_item="T", scale_to=0.0)
    write_outbound(root, assignment=toy.ASSIGNMENT, settings=lms)
    with open(root / "outbound" / "moodle_grades.csv", newline="") as fh:
        sent = {row[0]: row[2] for row in list(csv.reader(fh))[1:]}
    assert sent == {"ann@x.example": "2.1", "ben@x.example": "2.7", "cid@x.example": "3"}


@pytest.mark.parametrize("old, new, regrades", [
    ("scale_to = 0", "scale_to = 10", False), ('hand_in_en = "to the', 'hand_in_en = "into the', False),
    ("cpu_val_images = 2000", "cpu_val_images = 1000", False),
    ('after_due = "all"', 'after_due = "measured"', False),
    ("task1_min_mixing = 0.5", "task1_min_mixing = 0.6", True),
    ("penalty = 0\n", "penalty = 0.1\n", True),
    ('due = ""', 'due = "2026-12-01 23:59"', True),
    ("# Hours added to the due date", "petrov = 24\n#", False),      # another student's extension
    ("# Hours added to the due date", "ivanov = 24\n#", True),       # this student's
])
def test_only_settings_that_change_a_grade_regrade(tmp_path, monkeypatch, old, new, regrades):
    from nndebug.autograde.state import extension_of, grading_settings

    def fingerprint(path: Path) -> tuple:
        with config.use(path):
            return grading_settings(), extension_of("ivanov")

    before = fingerprint(kit_with(tmp_path))
    after = fingerprint(kit_with(tmp_path, (old, new)))
    assert (before != after) == regrades


def test_counts_accepts_latest_and_best_and_does_not_regrade(tmp_path):
    from nndebug.autograde.state import grading_settings

    assert settings.parse(kit_with(tmp_path, ('counts = "latest"', 'counts = "best"'))).late.counts == "best"
    with pytest.raises(SettingsError, match="must be one of 'latest', 'best'"):
        settings.parse(kit_with(tmp_path, ('counts = "latest"', 'counts = "first"')))
    with config.use(kit_with(tmp_path)):
        before = grading_settings()
    with config.use(kit_with(tmp_path, ('counts = "latest"', 'counts = "best"'))):
        assert grading_settings() == before       # picks among grades; grades nothing again


def entry(stamp: str, score: float, settings_of: str = "base", penalty: float = 0.0) -> dict:
    from nndebug.autograde import counted

    return {"stamp": stamp, "settings": counted.settings_hash(settings_of), "timestamp": f"t-{stamp}",
            "raw": score + penalty, "penalty": penalty, "score": score}


def test_best_picks_the_highest_final_score_graded_under_todays_settings():
    from nndebug.autograde import counted

    history = [entry("a", 2.5, "old settings"), entry("b", 2.0, penalty=0.5), entry("c", 1.0)]
    latest = counted.choose("ann", history, "base", "latest")
    best = counted.choose("ann", history, "base", "best")
    assert (latest.timestamp, latest.latest) == ("t-c", True)
    assert (best.timestamp, best.score, best.penalty, best.latest, best.graded) == ("t-b", 2.0, 0.5, False, 2)
    tie = counted.choose("ann", [entry("b", 2.0), entry("c", 2.0)], "base", "best")
    assert tie.timestamp == "t-c" and tie.latest          # on a tie the later counts: nothing changes
    assert counted.choose("ann", [entry("a", 3.0, "old settings")], "base", "best") is None
    regraded = counted.record(entry("b", 1.5), history)   # the same files regraded: one record, now latest
    assert [h["stamp"] for h in regraded] == ["a", "c", "b"]


def test_best_rewrites_the_grade_row_and_says_so(tmp_path):
    from nndebug.autograde import counted

    path = tmp_path / "grades.csv"
    path.write_text("assignment,timestamp,student_id,raw_score,late_submission_penalty,score,max_score\n"
                    "hw,t-c,ann,1,0,1,3\nhw,t-x,bob,3,0,3,3\n")
    picks = {"ann": counted.choose("ann", [entry("b", 2.0, penalty=0.5), entry("c", 1.0)], "base", "best"),
             "bob": counted.choose("bob", [entry("x", 3.0)], "base", "best")}
    lines = counted.apply_to_grades(path, picks, "hw")
    with open(path, newline="") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    assert (rows["ann"]["score"], rows["ann"]["late_submission_penalty"], rows["ann"]["raw_score"],
            rows["ann"]["timestamp"], rows["ann"]["counts"]) == ("2", "0.5", "2.5", "t-b", "best: t-b")
    assert (rows["bob"]["score"], rows["bob"]["counts"]) == ("3", "latest")
    assert lines == ["ann: the best of 2 graded submissions counts, of t-b: 2 (the latest, of t-c, scored 1)"]


@pytest.mark.slow
def test_with_counts_best_the_best_graded_submission_is_exported_and_said(tmp_path, late_kit, monkeypatch):
    """ann hands in full marks on time, then a worse and late notebook: the gradebook and scores.csv show
    the latest (2 raw, 20 % off), grades.csv and `make return` the best (3), and the report and her index
    page say which submission counted."""
    from nndebug.autograde.grade import Course, autograde
    from nndebug.autograde.limits import Limits
    from nndebug.autograde.stage import Inputs
    from nndebug.outbound.outbound import write_outbound

    best_kit = tmp_path / "kit-best.toml"
    best_kit.write_text(late_kit.read_text(encoding="utf-8").replace('counts = "latest"', 'counts = "best"'),
                        encoding="utf-8")
    monkeypatch.setenv(config.KIT_ENV, str(best_kit))
    with config.use(best_kit):
        root = toy.build(tmp_path / "course")
        data, model = toy.inputs(root)
        course = Course(root=root, assignment=toy.ASSIGNMENT, inputs=Inputs(data, model),
                        limits=replace(Limits.from_settings(), cell_timeout_s=20, notebook_timeout_s=60))
        stamp = root / "submitted" / "ann" / toy.ASSIGNMENT / "timestamp.txt"
        toy.submit(root, "ann", toy.honest)
        stamp.write_text("2026-11-30 11:00:00")
        autograde(course, echo=lambda *_: None)
        toy.submit(root, "ann", toy.fix("answer = 41"))
        stamp.write_text("2026-12-01 13:00:00")                      # 1 day 1 h late: 20 % off
        autograde(course, echo=lambda *_: None)
        assert sum(toy.scores(root)["ann"].values()) == 2             # per cell: the latest
        with open(root / "grades.csv", newline="") as fh:
            row = next(csv.DictReader(fh))
        assert (row["score"], row["late_submission_penalty"], row["counts"]) == \
            ("3", "0", "best: 2026-11-30 11:00:00")
        report = (root / "autograded" / "report.md").read_text()
        assert "ann: the best of 2 graded submissions counts, of 2026-11-30 11:00:00: 3 (the latest" in report
        assert "scored 1.6)" in report
        index = (root / "feedback" / "ann" / toy.ASSIGNMENT / "index.html").read_text()
        assert "Your best submission, of 2026-11-30 11:00:00, counts: 3 points" in index
        (root / "roster.csv").write_text("student_id,full_name,email\nann,Ann A,ann@x.example\n")
        write_outbound(root, assignment=toy.ASSIGNMENT,
                       settings=Return(canvas_assignment="T", moodle_grade_item="T", scale_to=0.0))
        with open(root / "outbound" / "moodle_grades.csv", newline="") as fh:
            assert list(csv.reader(fh))[1][2] == "3"
