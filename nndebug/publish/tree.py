"""``make publish``: the publish record, the release rebuilt with it, the student repository's tree
(``dist/student/``) and its release assets (``dist/assets/``).

The record (``published.json``: student repository, release tag, SHA-256 of ``mnist_data.zip``,
``pretrained_model.pt`` and any variant model) is written first; ``source/`` and ``release/`` are then
rebuilt, so their setup cell checks those hashes (and the gradebook's copy of each given cell is what
students get). Commit the three together. ``dist/student/``: README.md (Russian and English), the release
notebooks as they are (the English ones in ``en/``; not with per-student trees, whose README sends each
student to their own link) and ``SHA256SUMS``. ``dist/assets/``: copies of the files for the GitHub release.
``dist/publish.env``: ``STUDENT_REPO``, ``STUDENT_BRANCH`` and ``RELEASE_TAG`` for the workflow.
"""
from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from nndebug import config
from nndebug.course import assemble, colab
from nndebug.course import record as records
from nndebug.course.record import DATA_NAME, MODEL_NAME, PublishError, Record, read_record, sha256_of
from nndebug.publish import readme, scan
from nndebug.release import build as release

SUMS_FILE = "SHA256SUMS"


@dataclass(frozen=True)
class Published:
    """What one ``make publish`` wrote."""

    student: Path
    assets: Path
    record: Record
    summary: list[str] = field(default_factory=list)  # the extra trees' lines: what to send students, how


def _inputs(data_zip: Path, model: Path) -> None:
    wanted = [(data_zip, "make data"), (model, "make model")]
    missing = [f"{path} (`{fix}`)" for path, fix in wanted if not path.is_file()]
    if missing:
        raise PublishError("publish needs what is missing: " + "; ".join(missing))


def _check_tag(made: Record, previous: Record | None, force: bool) -> None:
    if force or previous is None:
        return
    same_place = (previous.student_repo, previous.release_tag) == (made.student_repo, made.release_tag)
    if same_place and previous.sha256 != made.sha256:
        changed = ", ".join(n for n in made.sha256 if previous.sha256.get(n) != made.sha256[n])
        raise PublishError(
            f"{made.describe()} was published with other files ({changed} changed since, e.g. the model "
            f"was rebuilt). Students who already downloaded them would fail the setup cell's check. Set a "
            f"new release_tag in kit.toml [course] and publish again, or republish this tag with --force.")


def _write_student_tree(dist: Path, release_dirs: dict[str, Path], files: dict[str, Path],
                        hashes: dict[str, str], personal: bool) -> tuple[Path, Path]:
    course = config.kit().course
    student, assets = dist / "student", dist / "assets"
    for folder in (student, assets):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    for folder, release_dir in ({} if personal else release_dirs).items():
        (student / folder).mkdir(exist_ok=True)
        for name in release.notebook_names():
            shutil.copyfile(release_dir / name, student / folder / name)
    (student / "README.md").write_text(readme.student_readme(personal), encoding="utf-8")
    for name, path in files.items():
        shutil.copyfile(path, assets / name)
    sums = {p.relative_to(student).as_posix(): sha256_of(p) for p in student.rglob("*") if p.is_file()}
    sums |= hashes
    lines = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))
    (student / SUMS_FILE).write_text(lines, encoding="utf-8")
    (dist / "publish.env").write_text(f"STUDENT_REPO={course.student_repo}\n"
                                      f"STUDENT_BRANCH={course.student_branch}\n"
                                      f"RELEASE_TAG={course.release_tag}\n", encoding="utf-8")
    return student, assets


@dataclass(frozen=True)
class Extra:
    """What the extra trees' writer made: the release folders it made them from (for the leak scan) and
    the lines for publish's summary (what to send students, and how)."""

    folders: list[Path]
    summary: list[str]


# Student trees written in place of the shared notebooks (per-student variants: nndebug.variants.publish,
# passed in by `make publish`): (dist, dist/student, dist/assets, a stack for temporary folders) -> Extra.
ExtraTrees = Callable[[Path, Path, Path, contextlib.ExitStack], Extra]


def _extra_trees(extra: ExtraTrees | None, dist: Path, student: Path, assets: Path,
                 stack: contextlib.ExitStack) -> Extra:
    """``extra``'s trees written, and SHA256SUMS written again over everything; nothing without ``extra``."""
    if extra is None:
        return Extra([], [])
    made = extra(dist, student, assets, stack)
    sums = {p.relative_to(student).as_posix(): sha256_of(p) for p in student.rglob("*")
            if p.is_file() and p.name != SUMS_FILE}
    sums |= {p.name: sha256_of(p) for p in assets.iterdir() if p.is_file()}
    lines = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))
    (student / SUMS_FILE).write_text(lines, encoding="utf-8")
    return made


def publish(dist: Path, release_root: Path = config.ROOT, data_zip: Path = config.MNIST_ZIP,
            model: Path = config.MODEL_FILE, force: bool = False, extra: ExtraTrees | None = None,
            variant_models: Mapping[str, tuple[str, Path]] | None = None) -> Published:
    """Record the files' hashes (``published.json``), rebuild ``release_root``'s source/ and release/ with
    them, and write ``dist/student``, ``dist/assets`` and ``dist/publish.env``. With ``extra`` (per-student
    trees) the shared notebooks are left out and the README sends each student to their own link;
    ``variant_models`` ({"task3v1": (asset name, file)}) are recorded and released beside the seed's. On a
    failure the previous record (and the release built from it) is put back."""
    _inputs(data_zip, model)
    course = config.kit().course
    files = {DATA_NAME: data_zip, MODEL_NAME: model}
    files |= {name: path for name, path in (variant_models or {}).values()}
    hashes = {name: sha256_of(path) for name, path in files.items()}
    made = Record(student_repo=course.student_repo, release_tag=course.release_tag, sha256=hashes,
                  urls={name: colab.download_link(name) if name in (DATA_NAME, MODEL_NAME)
                        else colab.release_asset_url(name) for name in hashes},
                  variant_models={key: name for key, (name, _) in (variant_models or {}).items()})
    record_file = records.RECORD_FILE
    previous_text = record_file.read_text(encoding="utf-8") if record_file.exists() else None
    _check_tag(made, read_record(), force)
    records.write_record(made)
    try:
        _, release_dir, english_dir = release.build(release_root)
        folders = {".": release_dir, assemble.ENGLISH_FOLDER: english_dir}
        student, assets = _write_student_tree(dist, folders, files, hashes, extra is not None)
        with contextlib.ExitStack() as stack:
            extras = _extra_trees(extra, dist, student, assets, stack)
            leaks = scan.scan(dist, [release_dir, english_dir, *extras.folders])
        if leaks:
            shutil.rmtree(student)
            raise PublishError(f"{dist} would hand students what only the instructor may have; removed "
                               f"{student}:\n" + "\n".join(leaks))
    except BaseException:
        if previous_text is None:
            record_file.unlink(missing_ok=True)
        else:
            record_file.write_text(previous_text, encoding="utf-8")
        with contextlib.suppress(Exception):  # the first error says more; `make release` rebuilds it
            release.build(release_root)
        raise
    return Published(student=student, assets=assets, record=made, summary=extras.summary)
