"""`make return`: Moodle and Canvas grade imports and feedback zips from grades.csv, feedback/ and the roster;
students without a grade are listed, never given 0."""
from __future__ import annotations

import csv
import dataclasses
import json
import zipfile
from pathlib import Path

import pytest

from nndebug.__main__ import main
from nndebug.outbound.outbound import write_outbound
from nndebug.settings import Return

ASSIGNMENT = "nn_debug"
SETTINGS = Return(canvas_assignment="NN debug (5501)", moodle_grade_item="NN debug", scale_to=10.0)
GRADES_HEADER = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                 "raw_score", "late_submission_penalty", "score", "max_score"]


@pytest.fixture
def course(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    root.mkdir()
    (root / "roster.csv").write_text(
        "student_id,full_name,email,lms_id\n"
        "ivanov,Ivan Ivanov,ivan@uni.example,\n"
        "petrova,Maria Petrova,maria@uni.example,202\n"
        "sidorov,Petr Sidorov,petr@uni.example,\n")
    with open(root / "grades.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(GRADES_HEADER)
        writer.writerow([ASSIGNMENT, "", "2026-11-30 10:00:00", "ivanov", "", "", "", "0.8", "0", "0.8", "1"])
        writer.writerow([ASSIGNMENT, "", "", "petrova", "", "", "", "0.35", "0.0", "0.35", "1.0"])
        writer.writerow(["other", "", "", "sidorov", "", "", "", "1", "0", "1", "1"])
        writer.writerow([ASSIGNMENT, "", "", "stranger", "", "", "", "0.5", "0", "0.5", "1.0"])
    (root / "collect").mkdir()
    (root / "collect" / "collected.json").write_text(json.dumps({
        "ivanov": {"notebooks": {}, "lms": {"moodle": {"participant_id": "101", "full_name": "Ivan Ivanov"},
                                            "canvas": {"user_id": "42", "login": "ivanovivan"}}}}))
    for sid in ("ivanov", "petrova"):
        folder = root / "feedback" / sid / ASSIGNMENT
        folder.mkdir(parents=True)
        for task in ("task1_shuffle", "task2_optimizer"):
            (folder / f"{task}.html").write_text(f"<html>{sid} {task}</html>")
        (folder / ".feedback-level").write_text("all")     # kit.toml: no due date, so "all"
    (root / "feedback" / "ivanov" / "index.html").write_text("<html>index</html>")
    return root


def rows(path: Path) -> list[list[str]]:
    with open(path, newline="") as fh:
        return list(csv.reader(fh))


def test_grade_files_have_the_lms_headers_and_only_graded_students(course):
    result = write_outbound(course, assignment=ASSIGNMENT, settings=SETTINGS)
    out = course / "outbound"
    assert rows(out / "moodle_grades.csv") == [
        ["Email address", "Full name", "NN debug"],
        ["ivan@uni.example", "Ivan Ivanov", "8"],
        ["maria@uni.example", "Maria Petrova", "3.5"],
    ]
    assert rows(out / "canvas_grades.csv") == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "NN debug (5501)"],
        ["Ivan Ivanov", "42", "", "ivan@uni.example", "", "8"],        # id recorded by collect
        ["Maria Petrova", "202", "", "maria@uni.example", "", "3.5"],  # roster lms_id
    ]
    assert result.no_grade == ["sidorov"] and result.not_in_roster == ["stranger"]
    report = (out / "report.md").read_text()
    assert "- sidorov" in report and "- stranger" in report


def test_feedback_zips_layout(course):
    write_outbound(course, assignment=ASSIGNMENT, settings=SETTINGS)
    out = course / "outbound"
    with zipfile.ZipFile(out / "moodle_feedback.zip") as zf:
        assert sorted(zf.namelist()) == [
            "Ivan Ivanov_101_assignsubmission_file_/index.html",
            "Ivan Ivanov_101_assignsubmission_file_/task1_shuffle.html",
            "Ivan Ivanov_101_assignsubmission_file_/task2_optimizer.html",
            "Maria Petrova_202_assignsubmission_file_/task1_shuffle.html",
            "Maria Petrova_202_assignsubmission_file_/task2_optimizer.html",
        ]
        assert zf.read("Maria Petrova_202_assignsubmission_file_/task1_shuffle.html") == \
            b"<html>petrova task1_shuffle</html>"
    with zipfile.ZipFile(out / "feedback" / "ivanov.zip") as zf:
        assert sorted(zf.namelist()) == ["index.html", f"{ASSIGNMENT}/task1_shuffle.html",
                                         f"{ASSIGNMENT}/task2_optimizer.html"]
    assert sorted(p.name for p in (out / "feedback").iterdir()) == ["ivanov.zip", "petrova.zip"]
    # the same inputs give the same bytes
    before = (out / "moodle_feedback.zip").read_bytes()
    write_outbound(course, assignment=ASSIGNMENT, settings=SETTINGS)
    assert (out / "moodle_feedback.zip").read_bytes() == before


def test_feedback_without_participant_id_is_listed(course):
    (course / "collect" / "collected.json").unlink()
    unscaled = dataclasses.replace(SETTINGS, scale_to=0.0)
    result = write_outbound(course, assignment=ASSIGNMENT, settings=unscaled)
    assert result.no_moodle_id == ["ivanov"] and result.no_canvas_id == ["ivanov"]
    assert rows(course / "outbound" / "moodle_grades.csv")[1] == ["ivan@uni.example", "Ivan Ivanov", "0.8"]
    with zipfile.ZipFile(course / "outbound" / "moodle_feedback.zip") as zf:
        assert all(n.startswith("Maria Petrova_202_") for n in zf.namelist())


def test_cli_names_what_is_missing(course, capsys):
    assert main(["return", "--root", str(course)]) == 0
    assert "sidorov" in capsys.readouterr().out
    (course / "grades.csv").unlink()
    assert main(["return", "--root", str(course)]) == 2
    assert "make autograde" in capsys.readouterr().err


def test_a_grade_autograde_could_not_refresh_is_left_out_and_named(course, capsys):
    (course / "autograded").mkdir()
    (course / "autograded" / ".nndebug-state.json").write_text(json.dumps({
        "petrova": {"fingerprint": "x", "status": "failed", "stale": True, "problems": [
            {"notebook": "", "message": "could not be graded: the kernel died; its previous grade is kept"}]},
        "ivanov": {"fingerprint": "y", "status": "graded", "stale": False, "problems": []}}))
    assert main(["return", "--root", str(course)]) == 0
    out = capsys.readouterr().out
    assert "could not be refreshed" in out and "petrova" in out
    assert [r[0] for r in rows(course / "outbound" / "moodle_grades.csv")[1:]] == ["ivan@uni.example"]
    report = (course / "outbound" / "report.md").read_text()
    assert "- petrova: could not be graded: the kernel died" in report


@pytest.mark.parametrize("scale_to, said", [(0.0, "out of 1"), (10.0, "out of 10")])
def test_every_return_states_the_scale(course, scale_to, said):
    settings = dataclasses.replace(SETTINGS, scale_to=scale_to)
    result = write_outbound(course, assignment=ASSIGNMENT, settings=settings)
    assert said in result.scale and f"scale_to = {scale_to:g}" in result.scale
    assert result.scale in (course / "outbound" / "report.md").read_text()


def test_feedback_written_at_another_level_is_not_sent_without_a_gradebook(course):
    (course / "feedback" / "petrova" / ASSIGNMENT / ".feedback-level").write_text("measured")
    result = write_outbound(course, assignment=ASSIGNMENT, settings=SETTINGS)
    assert [line.split(":")[0] for line in result.feedback_held] == ["petrova"]
    assert not (course / "outbound" / "feedback" / "petrova.zip").exists()
    with zipfile.ZipFile(course / "outbound" / "moodle_feedback.zip") as zf:
        assert not any(n.startswith("Maria Petrova") for n in zf.namelist())
    assert "Feedback held back" in (course / "outbound" / "report.md").read_text()


def test_copies_are_listed_next_to_the_grades_with_where_to_read_why(course, capsys):
    (course / "autograded").mkdir()
    (course / "autograded" / ".nndebug-state.json").write_text(json.dumps({
        "ivanov": {"fingerprint": "y", "status": "graded", "stale": False, "problems": [
            {"notebook": "task3_batchnorm", "message": "COPY? carries another student's owner token 5f3a: "
                                                       "graded against t3v2; a person should decide"}]},
        "petrova": {"fingerprint": "x", "status": "graded", "stale": False, "problems": []}}))
    (course / "autograded" / "similarity.md").write_text(
        "# Similarity: answers that look copied\n\n**2 pair(s) flagged.**\n\n"
        "## 1. petrova and reference (ru): strength 0.91\n\ntext\n\n"
        "## 2. ivanov and stranger: strength 0.70\n\n"
        "## Under the threshold (the strongest, for calibration)\n")
    assert main(["return", "--root", str(course)]) == 0
    out = capsys.readouterr().out
    assert "3 graded student(s) flagged as possible copies" in out      # stranger: graded, not in roster
    report = (course / "outbound" / "report.md").read_text()
    assert "## Possible copies among the grades exported" in report
    assert ("- ivanov: task3_batchnorm: COPY? carries another student's owner token 5f3a: graded against "
            "t3v2; a person should decide (autograded/report.md); shares answers with stranger, strength "
            "0.70 (autograded/similarity.md, pair 2)") in report
    assert ("- petrova: shares answers with reference, strength 0.91 (autograded/similarity.md, "
            "pair 1)") in report
    assert "reference:" not in report                 # a public answer is not a student


def test_the_grading_reports_link_each_other(tmp_path: Path) -> None:
    from nndebug.autograde.grade import REPORTS, SEE_ALSO, link_reports

    for name in REPORTS:
        (tmp_path / name).write_text(f"# {name}\n\nbody\n", encoding="utf-8")
    link_reports(tmp_path)
    link_reports(tmp_path)              # a second run rewrites the line, never adds another
    for name in REPORTS:
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert text.count(SEE_ALSO.strip()) == 1 and text.startswith(f"# {name}\n\nbody\n")
        assert all(f"]({other})" in text for other in REPORTS if other != name)
        assert f"]({name})" not in text
