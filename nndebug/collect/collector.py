"""``collect``: from an LMS download or a folder of notebooks to ``submitted/<student>/<assignment>/``.

Each notebook handed in is placed by who sent it (roster) and which task its grade ids say it holds, as
``submitted/<student_id>/<assignment>/<release notebook>.ipynb`` (the bytes as handed in, the file's time
set to the submission time) with nbgrader's ``timestamp.txt`` (the newest notebook's time). A notebook
already there is replaced only by a newer one (the older goes to ``collect/replaced/``); the same file again
changes nothing. Everything not placed is listed in ``collect/report.md`` with what to do.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from nbgrader.utils import parse_utc

from nndebug import config
from nndebug.collect.detect import Sender, detect_kind, sender
from nndebug.collect.inputs import Item, read_input
from nndebug.collect.roster import Roster
from nndebug.course.tasks import TaskMap, read_notebook_json
from nndebug.course.tasks import newest as newest_copy
from nndebug.settings import Collect as CollectSettings

STATE = "collected.json"        # under collect/: what was placed, from which file, at what time
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Candidate:
    """One notebook handed in, placed: whose, which task, when."""

    item: Item
    student_id: str
    notebook: str
    sha256: str

    @property
    def time(self) -> datetime:
        return self.item.time


@dataclass
class Result:
    """What one collect did and found; :mod:`nndebug.collect.report` renders it."""

    source: str
    kind: str
    # student -> notebook -> new | unchanged | replaced | kept (newer already there)
    placed: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    replaced: list[str] = field(default_factory=list)
    kept_newer: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    unknown_task: list[str] = field(default_factory=list)
    not_notebooks: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    late: dict[str, str] = field(default_factory=dict)          # sid -> how late
    lms_late: set[str] = field(default_factory=set)             # sids the LMS marked late
    missing: list[str] = field(default_factory=list)            # roster students with nothing submitted
    incomplete: dict[str, list[str]] = field(default_factory=dict)  # sid -> notebooks still missing
    due: str = ""


def collect_settings() -> CollectSettings:
    """kit.toml [collect]: ``due`` (empty: no due date) and ``timezone`` of times that carry none."""
    return config.kit().collect


def parse_due(due: str) -> datetime | None:
    """The due date as naive UTC (nbgrader's ``parse_utc``); None when there is none."""
    if not due.strip():
        return None
    try:
        return parse_utc(due)
    except (ValueError, OverflowError) as err:
        raise ValueError(f"kit.toml [collect] due = {due!r} is not a date ({err}); write it as "
                         "\"2026-12-01 23:59:00 +0300\" or leave it empty.") from err


def how_late(moment: datetime, due: datetime) -> str:
    """``1 d 2 h 5 min`` past ``due``."""
    minutes = int((moment - due).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{mins} min"]
    return " ".join(p for p in parts if p)


class Store:
    """``submitted/`` and ``collect/`` of one course: what is placed, at what time, what was replaced."""

    def __init__(self, root: Path, assignment: str) -> None:
        self.root, self.assignment = root, assignment
        self.dir = root / "collect"
        self.state_path = self.dir / STATE
        self.state: dict = json.loads(self.state_path.read_text()) if self.state_path.exists() else {}

    def folder(self, student_id: str) -> Path:
        return self.root / "submitted" / student_id / self.assignment

    def record(self, student_id: str) -> dict:
        return self.state.setdefault(student_id, {"notebooks": {}, "lms": {}})

    def placed_time(self, student_id: str, notebook: str) -> datetime:
        """When the notebook now in ``submitted/`` was handed in (its record, else its file's time)."""
        entry = self.record(student_id)["notebooks"].get(notebook)
        if entry:
            return datetime.strptime(entry["time"], TIME_FORMAT)
        path = self.folder(student_id) / f"{notebook}.ipynb"
        return datetime.fromtimestamp(int(path.stat().st_mtime), UTC).replace(tzinfo=None)

    def place(self, cand: Candidate, result: Result) -> None:
        """Put ``cand`` in ``submitted/`` unless the same file or a newer one is there."""
        dest = self.folder(cand.student_id) / f"{cand.notebook}.ipynb"
        label = f"{cand.student_id}/{cand.notebook}"
        if dest.exists():
            if hashlib.sha256(dest.read_bytes()).hexdigest() == cand.sha256:
                result.placed[cand.student_id][cand.notebook] = "unchanged"
                self.remember(cand, keep_time=True)
                return
            old_time = self.placed_time(cand.student_id, cand.notebook)
            if cand.time <= old_time:
                result.kept_newer.append(
                    f"`{cand.item.path}` ({cand.time:{TIME_FORMAT}}) is not newer than the collected "
                    f"{label} ({old_time:{TIME_FORMAT}}); kept the collected one. If this one is the right "
                    f"one, delete submitted/{cand.student_id}/{self.assignment}/{cand.notebook}.ipynb and "
                    "collect again.")
                result.placed[cand.student_id][cand.notebook] = "kept (newer already there)"
                return
            aside = self.dir / "replaced" / cand.student_id / \
                f"{cand.notebook}.{old_time:%Y%m%dT%H%M%S}.ipynb"
            aside.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(dest, aside)
            result.replaced.append(f"{label}: the one of {old_time:{TIME_FORMAT}} -> "
                                   f"{aside.relative_to(self.root)}, replaced by `{cand.item.path}` "
                                   f"({cand.time:{TIME_FORMAT}})")
            status = "replaced"
        else:
            status = "new"
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(cand.item.data)
        stamp = (cand.time - datetime(1970, 1, 1)).total_seconds()
        os.utime(dest, (stamp, stamp))
        self.remember(cand)
        result.placed[cand.student_id][cand.notebook] = status

    def remember(self, cand: Candidate, keep_time: bool = False) -> None:
        notebooks = self.record(cand.student_id)["notebooks"]
        previous = notebooks.get(cand.notebook, {})
        time = previous["time"] if keep_time and previous else f"{cand.time:{TIME_FORMAT}}"
        notebooks[cand.notebook] = {"time": time, "sha256": cand.sha256, "from": cand.item.path}

    def write_timestamp(self, student_id: str) -> datetime | None:
        """nbgrader's ``timestamp.txt``: the newest notebook's time; written only when it changed."""
        notebooks = self.record(student_id)["notebooks"]
        if not notebooks:
            return None
        newest = max(datetime.strptime(e["time"], TIME_FORMAT) for e in notebooks.values())
        path = self.folder(student_id) / "timestamp.txt"
        text = newest.isoformat(" ")
        if not path.exists() or path.read_text().strip() != text:
            path.write_text(text)
        return newest

    def keep_aside(self, cand: Candidate, why: str) -> Path:
        """A copy of a notebook not placed (a duplicate), under ``collect/duplicates/``."""
        path = self.dir / "duplicates" / cand.student_id / \
            f"{cand.notebook}.{cand.time:%Y%m%dT%H%M%S}.{cand.sha256[:8]}.ipynb"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(cand.item.data)
        return path

    def save(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.state, indent=1, sort_keys=True, ensure_ascii=False)
        if not self.state_path.exists() or self.state_path.read_text() != text:
            self.state_path.write_text(text)


def sort_key(cand: Candidate) -> tuple:
    return (cand.time, cand.item.path)


def collect(source: Path, root: Path = config.ROOT, *, roster_path: Path | None = None,
            assignment: str | None = None, settings: CollectSettings | None = None) -> Result:
    """Collect ``source`` (a zip or a folder) into ``root``'s ``submitted/``; write ``collect/report.md``."""
    from nndebug.collect import report

    assignment = assignment or config.assignment()
    settings = settings or collect_settings()
    due = parse_due(settings.due)
    roster = Roster.load(roster_path or root / "roster.csv")
    tasks = TaskMap.from_release(root / "release" / assignment)
    items, skipped = read_input(source, settings.timezone)
    kind = detect_kind(items)
    result = Result(str(source), kind, skipped=skipped, due=f"{due:{TIME_FORMAT}} UTC" if due else "")
    store = Store(root, assignment)
    found: dict[tuple[str, str], list[Candidate]] = defaultdict(list)
    for item in items:
        if item.is_junk():
            result.ignored.append(item.path)
            continue
        who: Sender = sender(item, kind, roster)
        if who.student is None:
            result.unmatched.append(f"`{item.path}`: {who.why}")
            continue
        sid = who.student.student_id
        if who.lms:
            store.record(sid)["lms"][who.lms["lms"]] = {k: v for k, v in who.lms.items() if k != "lms"}
        if who.late:
            result.lms_late.add(sid)
        nb = read_notebook_json(item.data)
        if nb is None:
            result.not_notebooks.append(f"{sid}: `{item.path}`")
            continue
        notebook = tasks.identify(nb)
        if not notebook:
            result.unknown_task.append(f"{sid}: `{item.path}`")
            continue
        found[(sid, notebook)].append(Candidate(item, sid, notebook, hashlib.sha256(item.data).hexdigest()))
    for (sid, notebook), cands in sorted(found.items()):
        newest, older = newest_copy(cands, sort_key)
        for other in older:
            if other.sha256 == newest.sha256:
                continue
            aside = store.keep_aside(other, "duplicate")
            result.duplicates.append(
                f"{sid}/{notebook}: `{other.item.path}` ({other.time:{TIME_FORMAT}}) and "
                f"`{newest.item.path}` ({newest.time:{TIME_FORMAT}}); collected the newer, the other is in "
                f"{aside.relative_to(root)}. If the older one is the right one, copy it over "
                f"submitted/{sid}/{assignment}/{notebook}.ipynb.")
        store.place(newest, result)
    for student in roster.students:
        sid = student.student_id
        newest = store.write_timestamp(sid) if sid in store.state else None
        have = {p.stem for p in store.folder(sid).glob("*.ipynb")}
        if not have:
            result.missing.append(f"{sid} ({student.full_name})")
        elif set(tasks.notebooks) - have:
            result.incomplete[sid] = sorted(set(tasks.notebooks) - have)
        if newest and due and newest > due:
            result.late[sid] = how_late(newest, due)
    store.save()
    report.write(result, root / "collect" / "report.md", assignment)
    return result
