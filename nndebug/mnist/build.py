"""Build ``data/mnist_data/`` (the seed's layout), ``data/mnist_data.zip``, the check digits
``data/private/`` and the manifest.

``data/private/`` (``val.csv``, ``val/``: the same layout) holds the digits the verifier measures on, set
aside from the source (:func:`nndebug.mnist.sources.set_aside`): none of them is in the published tree or the
zip, and nothing stages the folder for a kernel.

Deterministic: the same source gives byte-identical CSVs, PNGs, zip and manifest. A re-run whose build is
valid (outputs match the manifest, the inputs are the same files, the same [data] settings) skips. Output is
written beside the target and moved into place at the end, so an interrupted build leaves nothing half-valid.
"""
from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from tqdm import tqdm

from nndebug import config
from nndebug.mnist import layout, manifest, sources
from nndebug.mnist.errors import DataError

FORMAT = 2  # 2: the check digits set aside into data/private/
MANIFEST_FILE = config.DATA_DIR / "mnist_data.manifest.json"
PRIVATE_NAME = "private"
PRIVATE_SPLIT = "val"  # data/private/val.csv and val/: read as any val split is
PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 9]
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
ZIP_TOP = "mnist_data"


FALLBACK = "embedded+holdout"  # the source used when nothing else is there


def private_dir(out_dir: Path) -> Path:
    """The check digits' folder beside the published tree ``out_dir``: ``data/private/``."""
    return out_dir.with_name(PRIVATE_NAME)


PRIVATE_DATA = private_dir(config.MNIST_DATA)


@dataclass
class Result:
    """What a build did: ``skipped`` when the existing build was valid; its manifest; notes to print."""

    skipped: bool
    manifest: dict[str, Any]
    notes: list[str]


def encode_png(image: np.ndarray) -> bytes:
    """A 28x28 grayscale PNG (``cv2.imread`` reads it as 3 equal channels)."""
    ok, data = cv2.imencode(".png", image, PNG_PARAMS)
    if not ok:
        raise DataError("OpenCV could not encode a PNG; check the opencv-python-headless install")
    return data.tobytes()


def problems(out_dir: Path, zip_path: Path, recorded: dict[str, Any] | None) -> list[str]:
    """Why the build on disk is not the one its manifest records; empty when it is."""
    if recorded is None:
        return [f"{MANIFEST_FILE.name} missing"]
    if recorded.get("format") != FORMAT:
        return [f"{MANIFEST_FILE.name} has an older format"]
    found = layout.problems(out_dir, recorded["sha256"])
    if not zip_path.is_file() or manifest.sha256_file(zip_path) != recorded["sha256"].get(zip_path.name):
        found.append(f"{zip_path} missing or changed")
    private = recorded.get("private", {}).get("sha256", {})
    return found + layout.problems(private_dir(out_dir), private, (PRIVATE_SPLIT,))


def build(out_dir: Path = config.MNIST_DATA, zip_path: Path = config.MNIST_ZIP,
          manifest_path: Path = MANIFEST_FILE, force: bool = False, download: bool = True,
          progress: bool = True) -> Result:
    """Build the data unless a valid build from the same source is there (``force`` rebuilds).

    A valid build from more digits than the fallback (the embedded 5,000 with val held out) is kept when
    the fallback is all there is now (``MNIST_DIR`` unset, no download): nothing built is lost by a run
    that was simply not pointed at MNIST.
    """
    with manifest.build_lock(out_dir):
        located = sources.locate(download=False)
        recorded = manifest.read(manifest_path)
        built = (recorded or {}).get("source", {}).get("name")
        valid = recorded is not None and recorded.get("settings") == sources.settings(built) \
            and not problems(out_dir, zip_path, recorded)
        if not force and valid and built == located.name \
                and recorded["source"].get("inputs") == located.input_hashes():
            return Result(True, recorded, [])
        if download and not located.full:
            located = sources.locate(download=True)
        if not force and valid and located.name == FALLBACK and built not in (None, FALLBACK):
            return Result(True, recorded, [*located.notes, (
                f"kept {out_dir.name}/ built from {built}: MNIST_DIR is not set and MNIST cannot be "
                f"downloaded; `python -m nndebug data --force` rebuilds it from the embedded digits alone")])
        loaded = sources.load(located)
        new = write(out_dir, zip_path, located, *loaded, progress=progress)
        manifest.write(manifest_path, new)
        aside = new["private"]
        return Result(False, new, [*located.notes, (
            f"check digits: {aside['counts'][PRIVATE_SPLIT]} ({aside['per_class']} a class) set aside from "
            f"{aside['taken_from']} into {private_dir(out_dir).name}/, in neither {out_dir.name}/ nor "
            f"{zip_path.name}")])


def _write_split(staging: Path, split: str, digits: sources.Split, order: np.ndarray,
                 bar: tqdm) -> tuple[dict[str, bytes], bytes]:
    """One split's PNGs (name -> bytes, also written under ``staging/split``) and its CSV, rows in ``order``
    (also written as ``staging/split.csv``)."""
    (staging / split).mkdir(parents=True)
    pngs = {}
    for i, name in enumerate(digits.names):
        pngs[name] = encode_png(digits.images[i])
        layout.png_path(staging, split, name).write_bytes(pngs[name])
        bar.update()
    text = layout.csv_text([(digits.names[i], int(digits.labels[i])) for i in order]).encode()
    (staging / f"{split}.csv").write_bytes(text)
    return pngs, text


def write(out_dir: Path, zip_path: Path, located: sources.Located, train: sources.Split,
          val: sources.Split, private: sources.Split, progress: bool) -> dict[str, Any]:
    """Write PNGs, CSVs and zip for the two published splits, and the check digits into
    :func:`private_dir`; the manifest describing them."""
    order = {"train": np.argsort(train.labels, kind="stable"), "val": np.arange(len(val.labels))}
    splits = {"train": train, "val": val}
    staging = out_dir.with_name(out_dir.name + ".partial")
    private_staging = private_dir(out_dir).with_name(PRIVATE_NAME + ".partial")
    for folder in (staging, private_staging):
        shutil.rmtree(folder, ignore_errors=True)
    files: dict[str, bytes] = {}  # path inside the top folder -> bytes, for the zip
    sha: dict[str, str] = {}
    histograms: dict[str, dict[str, int]] = {}
    total = len(train.labels) + len(val.labels) + len(private.labels)
    with tqdm(total=total, desc="PNG", unit="img", disable=not progress) as bar:
        for split, digits in splits.items():
            pngs, text = _write_split(staging, split, digits, order[split], bar)
            files.update({f"{split}/{name}.png": png for name, png in pngs.items()})
            files[f"{split}.csv"] = text
            sha[f"{split}.csv"] = manifest.sha256_bytes(text)
            sha[f"{split}/"] = layout.digest_of(pngs)
            histograms[split] = manifest.histogram(digits.labels)
        private_pngs, private_text = _write_split(private_staging, PRIVATE_SPLIT, private,
                                                  np.arange(len(private.labels)), bar)
    write_zip(zip_path, files)
    sha[zip_path.name] = manifest.sha256_file(zip_path)
    for folder, target in ((staging, out_dir), (private_staging, private_dir(out_dir))):
        shutil.rmtree(target, ignore_errors=True)
        folder.replace(target)
    return {
        "format": FORMAT,
        "source": {"name": located.name, "description": located.description(),
                   "inputs": located.input_hashes()},
        "settings": located.settings(),
        "counts": {split: len(digits.labels) for split, digits in splits.items()},
        "label_histogram": histograms,
        "train_sorted_by_label": True,
        "image_names": "zero-padded index of the digit in its source file",
        "sha256": sha,
        "private": {
            "folder": private_dir(out_dir).name,
            "taken_from": located.private_from,
            "per_class": located.settings()["private_per_class"],
            "counts": {PRIVATE_SPLIT: len(private.labels)},
            "label_histogram": {PRIVATE_SPLIT: manifest.histogram(private.labels)},
            "sha256": {f"{PRIVATE_SPLIT}.csv": manifest.sha256_bytes(private_text),
                       f"{PRIVATE_SPLIT}/": layout.digest_of(private_pngs)},
        },
    }


def write_zip(zip_path: Path, files: dict[str, bytes]) -> None:
    """A zip whose top folder is ``mnist_data/``: sorted entries, fixed timestamps and modes."""
    entries = dict(files)
    for name in files:
        parts = name.split("/")[:-1]
        for depth in range(len(parts)):
            entries.setdefault("/".join(parts[: depth + 1]) + "/", b"")
    entries[""] = b""  # the top folder itself
    tmp = zip_path.with_name(zip_path.name + ".partial")
    with zipfile.ZipFile(tmp, "w") as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(f"{ZIP_TOP}/{name}", date_time=ZIP_DATE)
            info.create_system = 3
            if name == "" or name.endswith("/"):
                info.external_attr = (0o40755 << 16) | 0x10
                archive.writestr(info, b"")
            else:
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_STORED if name.endswith(".png") else zipfile.ZIP_DEFLATED
                archive.writestr(info, entries[name], compresslevel=9)
    tmp.replace(zip_path)
