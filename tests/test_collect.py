"""`make collect`: Moodle and Canvas zips and folders of Colab downloads land in submitted/ by roster and
grade ids; nothing is dropped silently; a second collect changes nothing; newer replaces older only."""
from __future__ import annotations

import json
import os
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nndebug import config
from nndebug.__main__ import main
from nndebug.collect.collector import collect
from nndebug.collect.roster import Roster, RosterError, Student
from nndebug.course.tasks import TaskMap
from nndebug.settings import Collect

ASSIGNMENT = config.assignment()
TASKS = [config.notebook(n) for n in config.TASKS]
T1, T2, T3 = TASKS
ROSTER = ("student_id,full_name,email,lms_id\n"
          "ivanov,Ivan Ivanov,ivan.ivanov@uni.example,\n"
          "petrova,Maria Petrova,m.petrova@uni.example,202\n"
          "sidorov,Petr Sidorov,sidorov@uni.example,\n")
SETTINGS = {"due": "", "timezone": "UTC"}  # kit.toml [collect] as a test sets it
IVANOV = "Ivan Ivanov_101_assignsubmission_file_"   # a Moodle participant folder


def student_notebook(task: str, marker: str) -> bytes:
    """The release notebook of ``task`` with ``marker`` as the student's fix."""
    nb = json.loads((config.RELEASE_DIR / ASSIGNMENT / f"{task}.ipynb").read_text())
    task_no = task[4]
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == f"task{task_no}_fix":
            cell["source"] = f"# {marker}\n"
    return json.dumps(nb, indent=1).encode()


def blank_notebook() -> bytes:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                       "cells": [{"cell_type": "code", "source": "print(1)", "metadata": {},
                                  "outputs": [], "execution_count": None}]}).encode()


def write_zip(path: Path, entries: list[tuple[str, bytes, tuple]]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data, when in entries:
            zf.writestr(zipfile.ZipInfo(name, date_time=when), data)
    return path


@pytest.fixture
def course(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    shutil.copytree(config.RELEASE_DIR / ASSIGNMENT, root / "release" / ASSIGNMENT)
    (root / "roster.csv").write_text(ROSTER)
    return root


def run(source: Path, root: Path, **settings):
    return collect(source, root, assignment=ASSIGNMENT, settings=Collect(**{**SETTINGS, **settings}))


def placed(root: Path, sid: str, task: str) -> bytes:
    return (root / "submitted" / sid / ASSIGNMENT / f"{task}.ipynb").read_bytes()


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """What collect placed and recorded (not its reports: every collect adds one)."""
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
            for base in ("submitted", "collect") for p in sorted((root / base).rglob("*"))
            if p.is_file() and p.name not in ("report.md", "inputs.json") and "reports" not in p.parts}


def test_task_map_is_built_from_release_grade_ids():
    tasks = TaskMap.from_release(config.RELEASE_DIR / ASSIGNMENT)
    assert tasks.ids["task1_fix"] == T1 and "setup" not in tasks.ids
    for task in TASKS:
        assert tasks.identify_bytes(student_notebook(task, "x")) == task
    assert tasks.identify_bytes(blank_notebook()) == ""
    assert tasks.identify_bytes(b"not json") == ""


def test_moodle_zip_with_and_without_participant_folders(course, tmp_path):
    source = write_zip(tmp_path / "moodle.zip", [
        ("Ivan Ivanov_101_assignsubmission_file_/Copy of task1_shuffle.ipynb", student_notebook(T1, "iv1"),
         (2026, 11, 30, 10, 0, 0)),
        ("Ivan Ivanov_101_assignsubmission_file_/task2_optimizer (1).ipynb", student_notebook(T2, "iv2"),
         (2026, 11, 30, 11, 30, 0)),
        ("Maria Petrova_202_assignsubmission_file_my_work.ipynb", student_notebook(T3, "pe3"),
         (2026, 12, 2, 9, 0, 0)),
        ("Maria Petrova_202_assignsubmission_onlinetext_onlinetext.html", b"<p>see file</p>",
         (2026, 12, 2, 9, 0, 0)),
        ("Ghost Person_303_assignsubmission_file_/task1_shuffle.ipynb", student_notebook(T1, "gh"),
         (2026, 11, 30, 10, 0, 0)),
        ("__MACOSX/._junk", b"x", (2026, 11, 30, 10, 0, 0)),
    ])
    result = run(source, course, due="2026-12-01 23:59:00 +0000")
    assert result.kind == "moodle"
    assert b"# iv1" in placed(course, "ivanov", T1) and b"# iv2" in placed(course, "ivanov", T2)
    assert b"# pe3" in placed(course, "petrova", T3)
    assert not (course / "submitted" / "Ghost Person").exists()
    stamp = (course / "submitted" / "ivanov" / ASSIGNMENT / "timestamp.txt").read_text()
    assert stamp == "2026-11-30 11:30:00"
    # the participant ids are recorded for the feedback zip
    state = json.loads((course / "collect" / "collected.json").read_text())
    assert state["ivanov"]["lms"]["moodle"] == {"participant_id": "101", "full_name": "Ivan Ivanov"}
    report = (course / "collect" / "report.md").read_text()
    assert "Ghost Person_303" in report and "no roster entry" in report
    assert "onlinetext.html" in report and "not notebooks" in report
    assert "sidorov (Petr Sidorov)" in report                     # sent nothing
    assert f"| petrova | {T3} (new) | 9 h 1 min |" in report        # late against the due date
    assert f"ivanov: {T3}" in report                                # incomplete
    assert "__MACOSX/._junk" in report


def test_canvas_zip_late_marker_any_case_and_repeated_names(course, tmp_path):
    (course / "roster.csv").write_text(ROSTER.replace("example,202", "example,43"))
    source = write_zip(tmp_path / "canvas.zip", [
        ("ivanovivan_42_9001_task1_shuffle.ipynb", student_notebook(T1, "old"), (2026, 11, 30, 10, 0, 0)),
        ("ivanovivan_42_9002_task1_shuffle-1.ipynb", student_notebook(T1, "new"), (2026, 11, 30, 12, 0, 0)),
        ("petrovamaria_LATE_43_9003_task2_optimizer.ipynb", student_notebook(T2, "p2"),
         (2026, 12, 3, 10, 0, 0)),
        ("petrovamaria_late_43_9004_Copy of task3_pretrained-1.ipynb", student_notebook(T3, "p3"),
         (2026, 12, 3, 10, 5, 0)),
        ("sidorovpetr_44_9005_task2_optimizer.ipynb", blank_notebook(), (2026, 11, 29, 8, 0, 0)),
    ])
    result = run(source, course)
    assert result.kind == "canvas"
    assert b"# new" in placed(course, "ivanov", T1)
    assert b"# p2" in placed(course, "petrova", T2) and b"# p3" in placed(course, "petrova", T3)
    assert result.lms_late == {"petrova"}
    state = json.loads((course / "collect" / "collected.json").read_text())
    assert state["ivanov"]["lms"]["canvas"] == {"user_id": "42", "login": "ivanovivan"}
    kept = list((course / "collect" / "duplicates" / "ivanov").glob(f"{T1}.*.ipynb"))
    assert len(kept) == 1 and b"# old" in kept[0].read_bytes()
    report = (course / "collect" / "report.md").read_text()
    assert "Two different files for one task (1)" in report and "ivanovivan_42_9001" in report
    assert "marked late by the LMS" in report
    assert "sidorov: `sidorovpetr_44_9005_task2_optimizer.ipynb`" in report   # no task in it
    assert "hold no task" in report


def test_folder_of_colab_downloads_with_renamed_files(course, tmp_path):
    downloads = tmp_path / "downloads"
    files = {
        "ivanov/Copy of task1_shuffle.ipynb": student_notebook(T1, "c1"),
        "ivanov/notes.txt": b"my notes",
        "Maria Petrova/task3_pretrained (1).ipynb": student_notebook(T3, "c3"),
        "Sidorov_task2.ipynb": student_notebook(T2, "s2"),
        "Copy of task2_optimizer.ipynb": student_notebook(T2, "anon"),
        "ivanov/Untitled.ipynb": blank_notebook(),
    }
    for name, data in files.items():
        path = downloads / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, (1_790_000_000, 1_790_000_000))
    result = run(downloads, course)
    assert result.kind == "colab"
    assert b"# c1" in placed(course, "ivanov", T1)
    assert b"# c3" in placed(course, "petrova", T3)
    assert b"# s2" in placed(course, "sidorov", T2)
    moment = datetime.fromtimestamp(1_790_000_000, UTC).replace(tzinfo=None).isoformat(" ")
    assert (course / "submitted" / "sidorov" / ASSIGNMENT / "timestamp.txt").read_text() == moment
    report = (course / "collect" / "report.md").read_text()
    for entry in ("`Copy of task2_optimizer.ipynb`: no roster entry", "ivanov: `ivanov/notes.txt`",
                  "ivanov: `ivanov/Untitled.ipynb`"):
        assert entry in report


def test_collecting_again_changes_nothing(course, tmp_path):
    source = write_zip(tmp_path / "moodle.zip", [
        (f"{IVANOV}/a.ipynb", student_notebook(T1, "a"), (2026, 11, 30, 10, 0, 0)),
        (f"{IVANOV}/b.ipynb", student_notebook(T1, "b"), (2026, 11, 30, 9, 0, 0)),
    ])
    run(source, course)
    before = snapshot(course)
    second = run(source, course)
    assert snapshot(course) == before
    assert second.placed["ivanov"] == {T1: "unchanged"} and not second.replaced
    assert not (course / "collect" / "replaced").exists()


def test_newer_submission_replaces_older_which_is_kept_aside(course, tmp_path):
    first = write_zip(tmp_path / "first.zip", [
        (f"{IVANOV}/t1.ipynb", student_notebook(T1, "v1"), (2026, 11, 30, 10, 0, 0))])
    second = write_zip(tmp_path / "second.zip", [
        (f"{IVANOV}/t1.ipynb", student_notebook(T1, "v2"), (2026, 12, 1, 10, 0, 0))])
    run(first, course)
    result = run(second, course)
    assert result.placed["ivanov"][T1] == "replaced"
    assert b"# v2" in placed(course, "ivanov", T1)
    aside = course / "collect" / "replaced" / "ivanov" / f"{T1}.20261130T100000.ipynb"
    assert b"# v1" in aside.read_bytes()
    stamp = course / "submitted" / "ivanov" / ASSIGNMENT / "timestamp.txt"
    assert stamp.read_text() == "2026-12-01 10:00:00"
    # the older download collected again does not win back
    again = run(first, course)
    assert again.placed["ivanov"][T1] == "kept (newer already there)"
    assert b"# v2" in placed(course, "ivanov", T1)
    assert "is not newer than the collected" in (course / "collect" / "report.md").read_text()


def test_roster_mistakes_are_named(course, tmp_path):
    (course / "roster.csv").write_text("id,name\nx,y\n")
    with pytest.raises(RosterError, match="no column"):
        Roster.load(course / "roster.csv")
    (course / "roster.csv").write_text("student_id,full_name,email\na,A B,a@x\na,A C,c@x\n")
    with pytest.raises(RosterError, match="appears twice"):
        Roster.load(course / "roster.csv")
    (course / "roster.csv").unlink()
    source = write_zip(tmp_path / "s.zip", [("x.ipynb", blank_notebook(), (2026, 1, 1, 0, 0, 0))])
    assert main(["collect", "--from", str(source), "--root", str(course)]) == 2
    assert not (course / "submitted").exists()


def test_roster_matches_names_in_any_order_and_case():
    roster = Roster([Student("ivanov", "Ivan Ivanov", "ivan.ivanov@uni.example"),
                     Student("ivanova", "Anna Ivanova", "anna@uni.example", "77")])
    assert roster.find(names=("ivanovivan",))[0].student_id == "ivanov"       # Canvas login
    assert roster.find(names=("IVAN  IVANOV",))[0].student_id == "ivanov"     # Moodle name
    assert roster.find(names=("ivan.ivanov",))[0].student_id == "ivanov"      # email user part
    assert roster.find(lms_id="77")[0].student_id == "ivanova"
    assert roster.find(names=("nobody",))[0] is None


def test_cli_collects(course, tmp_path):
    source = write_zip(tmp_path / "m.zip", [
        ("Maria Petrova_202_assignsubmission_file_/x.ipynb", student_notebook(T2, "cli"),
         (2026, 11, 30, 1, 0, 0))])
    assert main(["collect", "--from", str(source), "--root", str(course)]) == 0
    assert b"# cli" in placed(course, "petrova", T2)


def test_a_folder_removed_by_hand_is_reported_and_put_back_by_its_input(course, tmp_path):
    """The sequence: collect Moodle, remove one student's folder, collect Canvas, collect Moodle again"""
    moodle = write_zip(tmp_path / "moodle.zip", [
        (f"{IVANOV}/t1.ipynb", student_notebook(T1, "iv1"), (2026, 11, 30, 10, 0, 0)),
        ("Maria Petrova_202_assignsubmission_file_/t2.ipynb", student_notebook(T2, "pe2"),
         (2026, 11, 30, 11, 0, 0)),
        ("Ghost Person_303_assignsubmission_file_/t1.ipynb", student_notebook(T1, "gh"),
         (2026, 11, 30, 10, 0, 0)),
    ])
    canvas = write_zip(tmp_path / "canvas.zip", [
        ("sidorovpetr_44_9005_task3_pretrained.ipynb", student_notebook(T3, "si3"),
         (2026, 11, 29, 8, 0, 0)),
        ("nobodyhere_45_9006_task3_pretrained.ipynb", student_notebook(T3, "nb"), (2026, 11, 29, 8, 0, 0)),
    ])
    run(moodle, course)
    shutil.rmtree(course / "submitted" / "petrova")
    result = run(canvas, course)                       # never a crash for a student not in this zip
    assert b"# si3" in placed(course, "sidorov", T3)
    assert any("petrova" in line and "removed from submitted/ by hand" in line for line in result.disk)
    assert not (course / "submitted" / "petrova").exists()
    report = (course / "collect" / "report.md").read_text()
    assert "Ghost Person_303" in report and "nobodyhere_45_9006" in report   # both inputs' open files
    again = run(moodle, course)
    assert again.placed["petrova"][T2] == "restored" and b"# pe2" in placed(course, "petrova", T2)
    assert any("petrova" in line for line in again.restored)
    assert (course / "submitted" / "petrova" / ASSIGNMENT / "timestamp.txt").read_text() == \
        "2026-11-30 11:00:00"
    reports = sorted((course / "collect" / "reports").glob("*.md"))
    assert len(reports) == 3 and sum("moodle" in p.name for p in reports) == 2
    assert "put back by this collect" in reports[-1].read_text() or "restored" in reports[-1].read_text()
    table = (course / "collect" / "report.md").read_text()
    for sid in ("ivanov", "petrova", "sidorov"):
        assert f"| {sid} | " in table


def test_a_notebook_changed_or_added_by_hand_is_recorded_not_overwritten(course, tmp_path):
    source = write_zip(tmp_path / "m.zip", [
        (f"{IVANOV}/t1.ipynb", student_notebook(T1, "iv1"), (2026, 11, 30, 10, 0, 0))])
    run(source, course)
    folder = course / "submitted" / "ivanov" / ASSIGNMENT
    (folder / f"{T1}.ipynb").write_bytes(student_notebook(T1, "edited"))
    (folder / f"{T2}.ipynb").write_bytes(student_notebook(T2, "by hand"))
    result = run(source, course)
    assert any("changed by hand" in line for line in result.disk)
    assert any(f"ivanov/{T2}" in line and "not collected" in line for line in result.disk)
    assert b"# edited" in placed(course, "ivanov", T1)


@pytest.mark.parametrize("due", ["2026-11-30 12:59:00 +0300", "2026-11-30T12:59:00+03:00",
                                 "2026-11-30 12:59 Europe/Moscow", "2026-11-30 09:59Z"])
def test_due_is_read_with_its_offset_and_shown_in_the_course_zone(course, tmp_path, due):
    source = write_zip(tmp_path / "m.zip", [     # zip times are in the course zone: 13:30 MSK = 10:30 UTC
        (f"{IVANOV}/t1.ipynb", student_notebook(T1, "iv1"), (2026, 11, 30, 13, 30, 0))])
    result = run(source, course, due=due, timezone="Europe/Moscow")
    assert result.late == {"ivanov": "31 min"}
    assert result.due == "2026-11-30 12:59 MSK (UTC+03:00)"


@pytest.mark.parametrize("due", ["01.12.2026 23:59", "2026-12-01", "next friday", "2026-11-30 12:59 +3"])
def test_a_due_date_that_needs_guessing_is_refused_with_the_forms(course, tmp_path, due):
    source = write_zip(tmp_path / "m.zip", [(f"{IVANOV}/t1.ipynb", student_notebook(T1, "x"),
                                             (2026, 11, 30, 13, 30, 0))])
    with pytest.raises(ValueError, match="2026-12-01 23:59:00 \\+0300"):
        run(source, course, due=due)
    assert not (course / "submitted").exists()


class RawNameInfo(zipfile.ZipInfo):
    """An entry whose name is written as its bytes (cp437 round trip), never as UTF-8 with the flag."""

    def _encodeFilenameFlags(self):  # noqa: N802 (zipfile's own name)
        return self.filename.encode("cp437"), self.flag_bits & ~0x800


def raw_zip(path: Path, entries: list[tuple[bytes, bytes]]) -> Path:
    """A zip as Windows tools write one: names in a code page's bytes, the UTF-8 flag (bit 11) unset."""
    with zipfile.ZipFile(path, "w") as zf:
        for raw, data in entries:
            info = RawNameInfo(raw.decode("cp437"), date_time=(2026, 11, 30, 10, 0, 0))
            info.flag_bits &= ~0x800
            zf.writestr(info, data)
    with zipfile.ZipFile(path) as zf:           # written as asked: no flag, the code page's bytes
        assert not any(i.flag_bits & 0x800 for i in zf.infolist())
    return path


def test_a_zip_without_the_utf8_flag_is_read_as_cp866_and_an_unreadable_name_is_reported(course, tmp_path):
    (course / "roster.csv").write_text(ROSTER + "petrov,Иван Петров,petrov@uni.example,\n")
    folder = "Иван Петров_404_assignsubmission_file_"
    source = raw_zip(tmp_path / "windows.zip", [
        (f"{folder}/{T1}.ipynb".encode("cp866"), student_notebook(T1, "pv1")),
        (f"{IVANOV}/{T2}.ipynb".encode("cp866"), student_notebook(T2, "iv2")),
        (f"Пётр Сидоров_505_assignsubmission_file_/{T3}.ipynb".encode("cp1251"), student_notebook(T3, "x")),
    ])
    result = run(source, course)
    assert result.kind == "moodle"
    assert b"# pv1" in placed(course, "petrov", T1) and b"# iv2" in placed(course, "ivanov", T2)
    state = json.loads((course / "collect" / "collected.json").read_text())
    assert state["petrov"]["lms"]["moodle"] == {"participant_id": "404", "full_name": "Иван Петров"}
    assert not result.unmatched
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["ivanov", "petrov"]
    report = (course / "collect" / "report.md").read_text()
    assert "a name no encoding reads" in report and "\\xcf\\xb8\\xf2\\xf0" in report    # "Пётр" in cp1251
    assert "╨" not in report and "Ïžòð" not in report and "Ïёòð" not in report
