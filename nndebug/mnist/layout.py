"""The seed's data layout: ``train.csv``/``val.csv`` (``image_name,label``) and ``train/``, ``val/`` PNGs."""
from __future__ import annotations

import hashlib
from pathlib import Path

from nndebug.mnist.errors import DataError
from nndebug.mnist.manifest import sha256_file

SPLITS = ("train", "val")
HEADER = "image_name,label"


def csv_text(rows: list[tuple[str, int]]) -> str:
    """The CSV of a split, as the seed's ``pd.read_csv(..., dtype={'image_name': str})`` reads it."""
    return "".join([HEADER + "\n"] + [f"{name},{label}\n" for name, label in rows])


def read_csv(path: Path) -> list[tuple[str, int]]:
    """Rows of a split's CSV, names kept as strings (leading zeros matter)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror}); rebuild it (`make data subset`)") from exc
    if not lines or lines[0] != HEADER:
        raise DataError(f"{path}: first line must be {HEADER!r}; rebuild it")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        name, _, label = line.partition(",")
        if not name or not label.isdigit():
            raise DataError(f"{path}:{number}: {line!r} is not 'image_name,label'; rebuild it")
        rows.append((name, int(label)))
    return rows


def png_path(root: Path, split: str, name: str) -> Path:
    return root / split / f"{name}.png"


def tree_digest(root: Path, split: str, names: list[str]) -> str:
    """One sha256 over the PNGs of a split (by name, in sorted order); raises naming a missing file."""
    digest = hashlib.sha256()
    for name in sorted(names):
        path = png_path(root, split, name)
        try:
            digest.update(f"{name} {hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
        except OSError as exc:
            raise DataError(f"{path}: missing or unreadable; rebuild") from exc
    return digest.hexdigest()


def digest_of(files: dict[str, bytes]) -> str:
    """The same digest as ``tree_digest`` from PNG bytes in memory (name -> bytes)."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name} {hashlib.sha256(files[name]).hexdigest()}\n".encode())
    return digest.hexdigest()


def problems(root: Path, recorded: dict[str, str], splits: tuple[str, ...] = SPLITS) -> list[str]:
    """Why the tree at ``root`` does not match the sha256 recorded for its ``splits``; empty when it does."""
    found = []
    for split in splits:
        csv_path = root / f"{split}.csv"
        if not csv_path.is_file():
            found.append(f"{csv_path} missing")
            continue
        if sha256_file(csv_path) != recorded.get(f"{split}.csv"):
            found.append(f"{csv_path} changed")
            continue
        names = [name for name, _ in read_csv(csv_path)]
        try:
            if tree_digest(root, split, names) != recorded.get(f"{split}/"):
                found.append(f"{root / split}: PNGs changed")
        except DataError as exc:
            found.append(str(exc))
        extra = len(list((root / split).glob("*.png"))) - len(names)
        if extra:
            found.append(f"{root / split}: {extra} PNG file(s) more than {csv_path.name} lists")
    return found
