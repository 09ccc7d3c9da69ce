"""``make publish``: the student repository's tree (``dist/student/``), its release assets
(``dist/assets/``) and the publish record.

``dist/student/``: README.md (Russian and English), the release notebooks with their setup cell rendered
with the SHA-256 of the published files, and ``SHA256SUMS``. ``dist/assets/``: copies of
``data/mnist_data.zip`` and ``data/pretrained_model.pt``, for the GitHub release. ``dist/publish.env``:
``STUDENT_REPO``, ``STUDENT_BRANCH`` and ``RELEASE_TAG`` for the publish workflow.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbgrader.utils import compute_checksum

from nndebug import config
from nndebug.notebook import colab, release
from nndebug.publish import readme, scan
from nndebug.publish import record as record_module
from nndebug.publish.record import (
    DATA_NAME,
    MODEL_NAME,
    PublishError,
    Record,
    read_record,
    sha256_of,
    write_record,
)

SETUP_CELL = "setup"   # grade_id of the kit-rendered setup cell
SUMS_FILE = "SHA256SUMS"


@dataclass(frozen=True)
class Published:
    """What one ``make publish`` wrote."""

    student: Path
    assets: Path
    record: Record


def published_notebook(path: Path, hashes: dict[str, str]) -> str:
    """A release notebook with its setup cell checking ``hashes`` (nbgrader's checksum updated with it)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = [c for c in notebook["cells"] if release.grade_ids({"cells": [c]}) == [SETUP_CELL]]
    if len(cells) != 1:
        raise PublishError(f"{path}: expected one setup cell (grade_id {SETUP_CELL!r}), found {len(cells)}; "
                           "rebuild the release with `make release`.")
    cell = cells[0]
    old = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    source = colab.setup_cell(with_model=colab.MODEL_FILE in old, hashes=hashes)
    cell["source"] = source.splitlines(keepends=True)
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if "checksum" in meta:
        meta["checksum"] = compute_checksum(nbformat.from_dict({**cell, "source": source}))
    return release.normalize(json.dumps(notebook))


def _inputs(release_dir: Path, data_zip: Path, model: Path) -> list[Path]:
    notebooks = [release_dir / name for name in release.notebook_names()]
    wanted = [(data_zip, "make data"), (model, "make model"), *((p, "make release") for p in notebooks)]
    missing = [f"{path} (`{fix}`)" for path, fix in wanted if not path.is_file()]
    if missing:
        raise PublishError("publish needs what is missing: " + "; ".join(missing))
    return notebooks


def _check_tag(record: Record, record_file: Path, force: bool) -> None:
    previous = read_record(record_file)
    if force or previous is None:
        return
    same_place = (previous.student_repo, previous.release_tag) == (record.student_repo, record.release_tag)
    if same_place and previous.sha256 != record.sha256:
        changed = ", ".join(n for n in record.sha256 if previous.sha256.get(n) != record.sha256[n])
        raise PublishError(
            f"{record.describe()} was published with other files ({changed} changed since, e.g. the model "
            f"was rebuilt). Students who already downloaded them would fail the setup cell's check. Set a "
            f"new release_tag in kit.toml [course] and publish again, or republish this tag with --force.")


def publish(dist: Path, release_dir: Path | None = None, data_zip: Path = config.MNIST_ZIP,
            model: Path = config.MODEL_FILE, record_file: Path | None = None,
            force: bool = False) -> Published:
    """Write ``dist/student``, ``dist/assets`` and ``dist/publish.env``; then the publish record
    (default: ``published.json``)."""
    record_file = record_file or record_module.RECORD_FILE
    release_dir = release_dir or config.RELEASE_DIR / config.assignment()
    notebooks = _inputs(release_dir, data_zip, model)
    course = config.settings()["course"]
    hashes = {DATA_NAME: sha256_of(data_zip), MODEL_NAME: sha256_of(model)}
    urls = {name: colab.download_link(name) for name in hashes}
    record = Record(student_repo=course["student_repo"], release_tag=course["release_tag"], sha256=hashes,
                    urls=urls)
    _check_tag(record, record_file, force)
    student, assets = dist / "student", dist / "assets"
    for folder in (student, assets):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    for path in notebooks:
        (student / path.name).write_text(published_notebook(path, hashes), encoding="utf-8")
    (student / "README.md").write_text(readme.student_readme(), encoding="utf-8")
    shutil.copyfile(data_zip, assets / DATA_NAME)
    shutil.copyfile(model, assets / MODEL_NAME)
    sums = {p.name: sha256_of(p) for p in sorted(student.iterdir())} | hashes
    lines = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))
    (student / SUMS_FILE).write_text(lines, encoding="utf-8")
    (dist / "publish.env").write_text(f"STUDENT_REPO={course['student_repo']}\n"
                                      f"STUDENT_BRANCH={course['student_branch']}\n"
                                      f"RELEASE_TAG={course['release_tag']}\n", encoding="utf-8")
    leaks = scan.scan(dist, release_dir)
    if leaks:
        shutil.rmtree(student)
        raise PublishError(f"{dist} would hand students what only the instructor may have; removed "
                           f"{student}:\n" + "\n".join(leaks))
    write_record(record, record_file)
    return Published(student=student, assets=assets, record=record)
