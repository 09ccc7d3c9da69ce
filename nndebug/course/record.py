"""``published.json``: what ``make publish`` handed out (student repository, release tag, SHA-256 of
``mnist_data.zip``, ``pretrained_model.pt`` and, with per-student variants, every task-3 variant's model),
and the check that grading uses the published models.

The record lives at the course root and is committed: every machine that grades (CI included) then knows
which model students debugged. Without a record (nothing published yet) nothing is checked.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

from nndebug import config

RECORD_FILE = config.ROOT / "published.json"
ASSETS_DIR = config.ROOT / "dist" / "assets"   # where `make publish` writes the release assets
DATA_NAME = "mnist_data.zip"
MODEL_NAME = "pretrained_model.pt"
FETCH_COMMAND = "python -m nndebug publish --fetch-model"


class PublishError(RuntimeError):
    """Publishing cannot go on, or grading would use other files than the published ones."""


@dataclass(frozen=True)
class Record:
    """One publication: where students get the notebooks and the files, and the files' SHA-256."""

    student_repo: str
    release_tag: str
    sha256: dict[str, str]                                  # {file name: SHA-256}
    urls: dict[str, str] = field(default_factory=dict)      # {file name: where the setup cell fetches it}
    variant_models: dict[str, str] = field(default_factory=dict)  # {"task3v1": its file name in sha256}

    def describe(self) -> str:
        return f"{self.student_repo}, release {self.release_tag}"


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_record(path: Path | None = None) -> Record | None:
    """The publish record (default: ``published.json``), or None when nothing was published; PublishError
    when it is unreadable."""
    path = path or RECORD_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Record(student_repo=data["student_repo"], release_tag=data["release_tag"],
                      sha256=dict(data["sha256"]), urls=dict(data.get("urls", {})),
                      variant_models=dict(data.get("variant_models", {})))
    except (ValueError, KeyError, TypeError) as exc:
        raise PublishError(f"{path}: not a publish record ({exc}). Restore it from git, or run "
                           "`make publish` again to write it.") from None


def write_record(record: Record, path: Path | None = None) -> None:
    """Write the publish record (sorted keys: the same publication gives the same bytes; no
    ``variant_models`` key without variants)."""
    data = asdict(record)
    if not data["variant_models"]:
        del data["variant_models"]
    text = json.dumps(data, indent=1, sort_keys=True) + "\n"
    (path or RECORD_FILE).write_text(text, encoding="utf-8")


def _short(digest: str) -> str:
    return digest[:16]


def published_copy(name: str, record: Record) -> Path | None:
    """``dist/assets/<name>`` when it is the published file (what ``make publish`` wrote, hash checked)."""
    copy = ASSETS_DIR / name
    if copy.is_file() and sha256_of(copy) == record.sha256.get(name):
        return copy
    return None


def model_mismatch(model_path: Path, record: Record) -> str | None:
    """Why ``model_path`` is not the published model, with the fix; None when it is."""
    published = record.sha256.get(MODEL_NAME, "")
    copy = published_copy(MODEL_NAME, record)
    shown = copy.relative_to(config.ROOT) if copy and copy.is_relative_to(config.ROOT) else copy
    offline = (f" The published file is here already: {shown} (`{FETCH_COMMAND}` copies it, no network "
               "needed)." if copy else "")
    if not model_path.exists():
        return (f"{model_path} is missing, and {record.describe()} handed out the model with SHA-256 "
                f"{published}. Fetch that one with `{FETCH_COMMAND}` (make published-model) rather than "
                f"building a new one.{offline}")
    actual = sha256_of(model_path)
    if actual == published:
        return None
    return (f"{model_path} (SHA-256 {actual}) is not the model published to students "
            f"({record.describe()}: SHA-256 {published}, in {RECORD_FILE.name}). Task 3 is graded against "
            f"this file, so students would be graded against a model they never saw. Fix: fetch the "
            f"published model with `{FETCH_COMMAND}`; or, if you rebuilt the model on purpose, publish it "
            f"under a new release_tag (kit.toml [course], then `make publish`) before students start."
            f"{offline}")


def check_published_inputs(model_path: Path, record_file: Path | None = None) -> None:
    """Raise PublishError unless ``model_path`` is the published model (no-op when nothing is published).

    Call it before building missing inputs: a missing model is to be fetched, not trained anew.
    """
    record = read_record(record_file)
    if record is None:
        return
    problem = model_mismatch(model_path, record)
    if problem:
        raise PublishError(problem)


def status_line(model_path: Path = config.MODEL_FILE, record_file: Path | None = None) -> str:
    """One line for ``make model``: whether the model is the published one."""
    record = read_record(record_file)
    shown = model_path.relative_to(config.ROOT) if model_path.is_relative_to(config.ROOT) else model_path
    if not model_path.exists():
        return f"publish: no {shown} yet"
    if record is None:
        return (f"publish: {shown} has SHA-256 {_short(sha256_of(model_path))}…; nothing published yet "
                f"(`make publish` hands it out and records its hash in {RECORD_FILE.name})")
    problem = model_mismatch(model_path, record)
    if problem is None:
        return f"publish: {shown} is the published model ({record.describe()})"
    return f"publish: WARNING: {problem} `make autograde` refuses to grade with it."


def fetch_published(name: str, dest: Path, record_file: Path | None = None) -> Path:
    """Download a published file (its URL in the record, or the NN_DEBUG_*_URL override) to ``dest`` and
    check its SHA-256. ``dest`` is replaced only by a verified file; kept when it is the published one."""
    record = read_record(record_file)
    if record is None:
        raise PublishError(f"no {RECORD_FILE.name}: nothing was published, so there is nothing to fetch. "
                           "Build the file with `make data model`, or publish first (`make publish`).")
    env = {DATA_NAME: "NN_DEBUG_DATA_URL", MODEL_NAME: "NN_DEBUG_MODEL_URL"}.get(name, "")
    if name not in record.sha256:
        raise PublishError(f"{RECORD_FILE.name} records no {name}: publish it first (`make publish`).")
    if dest.is_file() and sha256_of(dest) == record.sha256.get(name):
        return dest
    copy = published_copy(name, record)
    override = os.environ.get(env, "") if env else ""
    if copy is not None and not override:      # what `make publish` wrote: no network needed
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(dest.name + ".part")
        shutil.copyfile(copy, part)
        os.replace(part, dest)
        return dest
    url = override or record.urls.get(name, "")
    if not url:
        where = f"set {env} to where it is published" if env else "publish again (`make publish`)"
        raise PublishError(f"{RECORD_FILE.name} names no URL for {name}: {where}.")
    if dest.is_file() and sha256_of(dest) == record.sha256.get(name):
        return dest
    part = dest.with_name(dest.name + ".part")
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        urllib.request.urlretrieve(url, part)  # noqa: S310 - the instructor's own published file
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise PublishError(f"could not download {url} ({exc}): check the network and that the release "
                           f"{record.describe()} has the asset {name}.") from None
    actual, published = sha256_of(part), record.sha256.get(name, "")
    if actual != published:
        part.unlink()
        raise PublishError(f"{url} serves a {name} with SHA-256 {actual}, not the published {published}: "
                           "the release asset was replaced after publishing; upload dist/assets/ again or "
                           "publish anew.")
    os.replace(part, dest)
    return dest


def published_models(record: Record) -> list[tuple[str, str]]:
    """[(variant key or "", file name)] of every model the record holds: the seed's and each variant's."""
    return [("", MODEL_NAME), *sorted(record.variant_models.items())]
