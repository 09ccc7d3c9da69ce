"""What ``make collect`` reads: every file of a zip or a folder (zips inside expanded), with its time.

A zip entry's time is the LMS's submission time in the LMS server's time zone (kit.toml [collect]
timezone); a file's time is its modification time. Times are kept as nbgrader keeps them: naive UTC.
A zip name written without the UTF-8 flag is read as :mod:`nndebug.collect.zipnames` says (cp866 first).
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

from nndebug.collect import zipnames

MAX_FILE_BYTES = 200 * 2**20        # a bigger file is listed, not read
MAX_ZIP_DEPTH = 3                   # zips inside zips inside zips
UNREADABLE = ("a name no encoding reads (not UTF-8, cp866 or cp437; the zip does not say which it is); "
              "not collected. Unzip it with a tool that knows the encoding, fix the name and collect the "
              "folder.")
JUNK_PARTS = {"__MACOSX", ".ipynb_checkpoints", ".DS_Store", "Thumbs.db", "desktop.ini"}


@dataclass(frozen=True)
class Item:
    """One file handed in: its path inside the input ('/'-separated), bytes and time (naive UTC)."""

    path: str
    data: bytes
    time: datetime

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).name

    @property
    def folders(self) -> list[str]:
        """The folders (and zip files) above it inside the input, nearest first."""
        return [p.removesuffix(".zip") for p in reversed(PurePosixPath(self.path).parts[:-1])]

    def is_junk(self) -> bool:
        """A file an OS or Jupyter leaves beside real work (``__MACOSX/``, ``.DS_Store``, checkpoints)."""
        parts = PurePosixPath(self.path).parts
        return any(p in JUNK_PARTS for p in parts) or self.name.startswith("._")


def utc_naive(moment: datetime, zone: str) -> datetime:
    """``moment`` (naive: in ``zone``) as naive UTC, to the second."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)


def read_zip(data: bytes, prefix: str, zone: str, depth: int, skipped: list[str]) -> list[Item]:
    """The files of a zip (given as bytes), zips inside it expanded under their own name."""
    items: list[Item] = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            name = zipnames.entry_name(info)
            if name is None:
                skipped.append(f"{prefix}{zipnames.shown(info)}: {UNREADABLE}")
                continue
            path = f"{prefix}{name}"
            if info.file_size > MAX_FILE_BYTES:
                skipped.append(f"{path}: {info.file_size / 2**20:.0f} MiB, over the "
                               f"{MAX_FILE_BYTES // 2**20} MiB a file collect reads")
                continue
            body = zf.read(info)
            items += expand(Item(path, body, utc_naive(datetime(*info.date_time), zone)), zone, depth,
                            skipped)
    return items


def expand(item: Item, zone: str, depth: int, skipped: list[str]) -> list[Item]:
    """``item`` itself, or the files inside it when it is a zip."""
    if item.name.lower().endswith(".zip") and zipfile.is_zipfile(io.BytesIO(item.data)):
        if depth >= MAX_ZIP_DEPTH:
            skipped.append(f"{item.path}: a zip nested more than {MAX_ZIP_DEPTH} deep; unzip it by hand")
            return []
        return read_zip(item.data, f"{item.path}/", zone, depth + 1, skipped)
    return [item]


def read_input(source: Path, zone: str = "UTC") -> tuple[list[Item], list[str]]:
    """Every file of ``source`` (a zip or a folder) and the ones too big or too deep to read."""
    skipped: list[str] = []
    if source.is_file():
        if not zipfile.is_zipfile(source):
            raise ValueError(f"{source}: not a zip file; give the LMS's zip download or a folder of "
                             "notebooks (FROM=path).")
        return read_zip(source.read_bytes(), "", zone, 1, skipped), skipped
    if not source.is_dir():
        raise FileNotFoundError(f"{source}: no such file or folder; FROM= names the LMS zip or the folder "
                                "of downloaded notebooks.")
    items: list[Item] = []
    for path in sorted(p for p in source.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = path.relative_to(source).as_posix()
        if path.stat().st_size > MAX_FILE_BYTES:
            skipped.append(f"{rel}: over the {MAX_FILE_BYTES // 2**20} MiB a file collect reads")
            continue
        moment = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        items += expand(Item(rel, path.read_bytes(), utc_naive(moment, zone)), zone, 1, skipped)
    return items, skipped
