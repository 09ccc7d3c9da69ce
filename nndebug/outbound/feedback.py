"""Feedback zips: one per student, and Moodle's bulk "Upload multiple feedback files in a zip".

Moodle matches each file of the zip to a participant by the folder name of its own download,
``<Full Name>_<participant id>_assignsubmission_file_/``; the participant id is the one recorded by collect
from the Moodle zip, else roster ``lms_id``. Entries carry a fixed time, so the same feedback gives the same
zip bytes. :func:`write_moodle_files` writes any such zip (``make publish`` sends each student's links so).
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from nndebug.collect.roster import Roster, Student

FIXED_TIME = (2000, 1, 1, 0, 0, 0)


def feedback_files(feedback: Path, student_id: str, assignment: str) -> list[tuple[str, Path]]:
    """(name in a zip, file) of a student's feedback HTML: ``<assignment>/*.html`` and ``index.html``."""
    base = feedback / student_id
    files = sorted((base / assignment).glob("*.html"))
    files += [p for p in (base / "index.html", base / assignment / "index.html") if p.is_file()]
    seen: dict[str, Path] = {}
    for path in files:
        seen.setdefault(path.relative_to(base).as_posix(), path)
    return sorted(seen.items())


def add(zf: zipfile.ZipFile, name: str, data: Path | bytes) -> None:
    """One entry of ``data`` (a file's bytes or the bytes) at a fixed time."""
    info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data.read_bytes() if isinstance(data, Path) else data)


def write_student_zip(path: Path, files: list[tuple[str, Path]]) -> Path:
    """``outbound/feedback/<student_id>.zip``: the feedback files at their paths under feedback/<student>/."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for name, file in files:
            add(zf, name, file)
    return path


def moodle_folder(student: Student, lms: dict) -> str:
    """``<Full Name>_<participant id>_assignsubmission_file_``; '' when there is no participant id."""
    moodle = lms.get("moodle", {})
    participant = moodle.get("participant_id", "") or student.lms_id
    if not participant:
        return ""
    name = (moodle.get("full_name") or student.full_name).replace("_", " ").replace("/", " ")
    return f"{name}_{participant}_assignsubmission_file_"


def write_moodle_files(path: Path, files: list[tuple[Student, dict, list[tuple[str, Path | bytes]]]]
                       ) -> tuple[list[str], list[str]]:
    """A zip for Moodle's "Upload multiple feedback files in a zip": per (student, their recorded LMS
    entry, [(file name, file or bytes)]) one participant folder; returns (ids in it, ids without a
    participant id, left out). Students with no file are left out of both."""
    included, no_id = [], []
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for student, lms, entries in files:
            if not entries:
                continue
            folder = moodle_folder(student, lms)
            if not folder:
                no_id.append(student.student_id)
                continue
            names: set[str] = set()
            for name, data in entries:
                if Path(name).name not in names:
                    names.add(Path(name).name)
                    add(zf, f"{folder}/{Path(name).name}", data)
            included.append(student.student_id)
    return included, no_id


def write_moodle_zip(path: Path, roster: Roster, feedback: Path, assignment: str,
                     lms: dict[str, dict]) -> tuple[list[str], list[str]]:
    """``outbound/moodle_feedback.zip``; returns (ids in it, ids with feedback but no participant id)."""
    files: list[tuple[Student, dict, list[tuple[str, Path | bytes]]]] = [
        (s, lms.get(s.student_id, {}), list(feedback_files(feedback, s.student_id, assignment)))
        for s in roster.students]
    return write_moodle_files(path, files)
