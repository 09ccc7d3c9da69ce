"""MNIST's IDX files (gzipped or not): read, with magic numbers, sizes and published MD5 sums checked."""
from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import numpy as np

from nndebug.mnist.errors import DataError

IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension
SIDE = 28
STEMS = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "val_images": "t10k-images-idx3-ubyte",
    "val_labels": "t10k-labels-idx1-ubyte",
}
EXPECTED_COUNT = {"train": 60_000, "val": 10_000}


def find(directory: Path, role: str) -> Path | None:
    """The IDX file for ``role`` (a key of STEMS) in ``directory``, plain or ``.gz``; None when absent."""
    for name in (STEMS[role], STEMS[role] + ".gz"):
        if (directory / name).is_file():
            return directory / name
    return None


def _raw_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise DataError(f"{path}: corrupt gzip ({exc}); replace the file with a fresh copy") from exc
    return data


def _header(path: Path, data: bytes, magic: int, dims: int) -> list[int]:
    size = 4 + 4 * dims
    if len(data) < size:
        raise DataError(f"{path}: {len(data)} bytes, too short for an IDX header; replace the file")
    found = int.from_bytes(data[:4], "big")
    if found != magic:
        raise DataError(f"{path}: IDX magic number {found}, expected {magic}; is it the right file?")
    return [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]


def read_images(path: Path) -> np.ndarray:
    """The images of an ``*-images-idx3-ubyte`` file as uint8 (n, 28, 28)."""
    data = _raw_bytes(path)
    count, rows, cols = _header(path, data, IMAGES_MAGIC, 3)
    if (rows, cols) != (SIDE, SIDE):
        raise DataError(f"{path}: images of {rows}x{cols}, expected {SIDE}x{SIDE}")
    if len(data) != 16 + count * rows * cols:
        raise DataError(f"{path}: {len(data) - 16} pixel bytes for {count} images of {rows}x{cols}: "
                        "truncated or padded; replace the file")
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(count, rows, cols).copy()


def read_labels(path: Path) -> np.ndarray:
    """The labels of an ``*-labels-idx1-ubyte`` file as uint8 (n,), each 0..9."""
    data = _raw_bytes(path)
    (count,) = _header(path, data, LABELS_MAGIC, 1)
    if len(data) != 8 + count:
        raise DataError(f"{path}: {len(data) - 8} label bytes for {count} labels; replace the file")
    labels = np.frombuffer(data, dtype=np.uint8, offset=8).copy()
    if labels.size and labels.max() > 9:
        raise DataError(f"{path}: label {labels.max()} outside 0..9; is it an MNIST labels file?")
    return labels


def read_pair(images_path: Path, labels_path: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Images and labels of one split, checked against each other and MNIST's published count."""
    images, labels = read_images(images_path), read_labels(labels_path)
    if len(images) != len(labels):
        raise DataError(f"{images_path} holds {len(images)} images but {labels_path} {len(labels)} labels")
    if len(images) != EXPECTED_COUNT[split]:
        raise DataError(f"{images_path}: {len(images)} digits, MNIST's {split} set has "
                        f"{EXPECTED_COUNT[split]}; replace the file")
    return images, labels


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()  # noqa: S324 - MNIST publishes MD5 sums


def check_md5sums(paths: list[Path]) -> int:
    """Check ``paths`` against the MD5SUMS beside them, where there is one; the number of files checked."""
    checked = 0
    for path in paths:
        sums_file = path.parent / "MD5SUMS"
        if not sums_file.is_file():
            continue
        sums = {}
        for line in sums_file.read_text().splitlines():
            parts = line.split()
            if len(parts) == 2:
                sums[parts[1].lstrip("*")] = parts[0].lower()
        if path.name in sums:
            if md5(path) != sums[path.name]:
                raise DataError(f"{path}: MD5 {md5(path)} differs from {sums[path.name]} in {sums_file}; "
                                "the file is corrupt: replace it")
            checked += 1
    return checked
