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

from nndebug import config, deadline
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
    restored: list[str] = field(default_factory=list)     # removed from submitted/ by hand, put back now
    disk: list[str] = field(default_factory=list)         # submitted/ and collect/collected.json disagreed
    report: str = ""                                      # this collect's own report (collect/reports/)


def collect_settings() -> CollectSettings:
    """kit.toml [collect]: ``due`` (empty: no due date) and ``timezone`` of times that carry none."""
    return config.kit().collect


def parse_due(due: str, zone: str = "UTC") -> datetime | None:
    """The due date as naive UTC (:func:`nndebug.deadline.parse_due`); None when there is none."""
    return deadline.parse_due(due, zone)


how_late = deadline.how_late


class Store:
    """``submitted/`` and ``collect/`` of one course: what is placed, at what time, what was replaced."""

    def __init__(self, root: Path, assignment: str) -> None:
        self.root, self.assignment = root, assignment
        self.dir = root / "collect"
        self.state_path = self.dir / STATE
        self.state: dict = json.loads(self.state_path.read_text()) if self.state_path.exists() else {}

    def folder(self, student_id: str) -> Path:
        return self.root / "submitted" / student_id / self.assignment

    def reconcile(self, result: Result) -> set[tuple[str, str]]:
        """Make the record agree with ``submitted/`` (the disk wins), saying where they disagreed; the
        (student, notebook) pairs removed by hand, which this collect puts back when its input holds them."""
        removed: set[tuple[str, str]] = set()
        for sid in sorted(self.state):
            notebooks = self.record(sid)["notebooks"]
            for notebook in sorted(notebooks):
                path = self.folder(sid) / f"{notebook}.ipynb"
                if not path.is_file():
                    self.record(sid).setdefault("removed_by_hand", {})[notebook] = notebooks.pop(notebook)
                    continue
                if hashlib.sha256(path.read_bytes()).hexdigest() != notebooks[notebook]["sha256"]:
                    notebooks[notebook]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
                    notebooks[notebook]["from"] = "changed by hand in submitted/"
                    result.disk.append(f"{sid}/{notebook}: submitted/{sid}/{self.assignment}/"
                                       f"{notebook}.ipynb was changed by hand since it was collected; kept "
                                       "as it is now.")
            if not notebooks and (self.folder(sid) / "timestamp.txt").is_file() and \
                    not any(self.folder(sid).glob("*.ipynb")):
                (self.folder(sid) / "timestamp.txt").unlink()
        for folder in sorted((self.root / "submitted").glob(f"*/{self.assignment}")):
            sid = folder.parent.name
            known = self.state.get(sid, {}).get("notebooks", {})
            for path in sorted(folder.glob("*.ipynb")):
                if path.stem not in known:
                    moment = datetime.fromtimestamp(int(path.stat().st_mtime), UTC).replace(tzinfo=None)
                    self.record(sid)["notebooks"][path.stem] = {
                        "time": f"{moment:{TIME_FORMAT}}", "from": "put in submitted/ by hand",
                        "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
                    result.disk.append(f"{sid}/{path.stem}: in submitted/ but not collected; recorded with "
                                       f"its file time ({moment:{TIME_FORMAT}}).")
        for sid in sorted(self.state):
            removed |= {(sid, nb) for nb in self.state[sid].get("removed_by_hand", {})}
        self.removed = removed
        return removed

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
        elif (cand.student_id, cand.notebook) in getattr(self, "removed", set()):
            status = "restored"
            result.restored.append(f"{label}: removed from submitted/ by hand; put back from "
                                   f"`{cand.item.path}`. Delete it from the input (or the roster) to keep "
                                   "it out.")
            self.removed.discard((cand.student_id, cand.notebook))
            gone = self.record(cand.student_id).get("removed_by_hand", {})
            gone.pop(cand.notebook, None)
            if not gone:
                self.record(cand.student_id).pop("removed_by_hand", None)
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
        path.parent.mkdir(parents=True, exist_ok=True)
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
    zone = settings.timezone
    due = parse_due(settings.due, zone)
    roster = Roster.load(roster_path or root / "roster.csv")
    tasks = TaskMap.from_release(root / "release" / assignment)
    items, skipped = read_input(source, settings.timezone)
    kind = detect_kind(items)
    result = Result(str(source), kind, skipped=skipped, due=deadline.shown(due, zone) if due else "")
    store = Store(root, assignment)
    removed = store.reconcile(result)
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
    for sid, notebook in sorted(removed):
        result.disk.append(f"{sid}/{notebook}: removed from submitted/ by hand (this input does not hold "
                           "it); not graded. Collecting the input that holds it puts it back.")
    store.save()
    report.write_all(result, root, assignment, roster, tasks.notebooks, due, zone)
    return result
