"""The grading subset ``data/grading/mnist_data/``: the first N digits of each class, same layout.

Train keeps ``train.csv``'s order (sorted by label, so 128 a class is one unshuffled batch per class);
val keeps ``val.csv``'s order. PNGs are copied from ``data/mnist_data``. Skips when valid. A task with
its own ``grading_train_per_class`` gets ``data/grading/<notebook>/mnist_data/`` the same way, with fewer
training digits (a prefix of the grading subset's).
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tqdm import tqdm

from nndebug import config
from nndebug.mnist import build as data_build
from nndebug.mnist import layout, manifest
from nndebug.mnist.errors import DataError

FORMAT = 1


def manifest_file(out_dir: Path) -> Path:
    """``<out_dir>.manifest.json`` beside the subset."""
    return out_dir.with_name(out_dir.name + ".manifest.json")


MANIFEST_FILE = manifest_file(config.SUBSET_DATA)


def per_class() -> dict[str, int]:
    """kit.toml [subset]: digits a class for train and val."""
    chosen = config.kit().subset
    return {"train": chosen.train_per_class, "val": chosen.val_per_class}


def first_per_class(rows: list[tuple[str, int]], count: int, source: Path) -> list[tuple[str, int]]:
    """The first ``count`` rows of each label, in the rows' order; an error when a label has fewer."""
    taken: dict[int, int] = {}
    kept = []
    for name, label in rows:
        if taken.get(label, 0) < count:
            taken[label] = taken.get(label, 0) + 1
            kept.append((name, label))
    short = {label: taken.get(label, 0) for label in range(10) if taken.get(label, 0) < count}
    if short:
        raise DataError(f"{source}: too few digits for {count} a class (have {short}); lower kit.toml "
                        "[subset] or build more data")
    return kept


def task_subsets() -> list[tuple[Path, dict[str, int]]]:
    """(folder, digits a class) of every task that grades on its own subset."""
    return [(folder, config.grading_per_class(number))
            for number, folder in config.task_grading_data().items()]


def problems(out_dir: Path, recorded: dict[str, Any] | None, expected: dict[str, Any]) -> list[str]:
    """Why the subset on disk is stale or broken; empty when valid."""
    if recorded is None:
        return [f"{manifest_file(out_dir).name} missing"]
    stale = [key for key in ("format", "per_class", "parent_manifest_sha256")
             if recorded.get(key) != expected[key]]
    if stale:
        return [f"{manifest_file(out_dir).name}: {', '.join(stale)} changed"]
    return layout.problems(out_dir, recorded["sha256"])


def build_all(force: bool = False, progress: bool = True) -> list[tuple[Path, data_build.Result]]:
    """The grading subset and every task's own, each skipped when valid, with their held-back digits."""
    made = [(config.SUBSET_DATA, build(force=force, progress=progress))]
    for folder, counts in task_subsets():
        made.append((folder, build(out_dir=folder, manifest_path=manifest_file(folder), counts=counts,
                                   force=force, progress=progress)))
    for folder, _ in list(made):
        build_verify(config.verify_data(folder), force=force)
    return made


def verify_rows(src: Path = config.MNIST_DATA) -> list[tuple[str, int]]:
    """The held-back digits: of each class, the val digits after the first [subset] val_per_class (every
    staged val split is a prefix of those), verify_per_class of them."""
    chosen = config.kit().subset
    rows = layout.read_csv(src / "val.csv")
    first = first_per_class(rows, chosen.val_per_class + chosen.verify_per_class, src / "val.csv")
    seen: dict[int, int] = {}
    kept = []
    for name, label in first:
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > chosen.val_per_class:
            kept.append((name, label))
    return kept


def build_verify(out_dir: Path, src: Path = config.MNIST_DATA, force: bool = False) -> Path:
    """``out_dir/val.csv`` and ``out_dir/val/``: the held-back digits, never staged for a kernel; skipped
    when its manifest says it holds them."""
    rows = verify_rows(src)
    text = layout.csv_text(rows)
    digest = manifest.sha256_bytes(text.encode())
    path = manifest_file(out_dir)
    recorded = manifest.read(path) if path.is_file() else None
    if not force and recorded and recorded.get("sha256") == digest and all(
            layout.png_path(out_dir, "val", name).is_file() for name, _ in rows):
        return out_dir
    staging = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "val").mkdir(parents=True)
    for name, _ in rows:
        shutil.copyfile(layout.png_path(src, "val", name), layout.png_path(staging, "val", name))
    (staging / "val.csv").write_text(text, encoding="utf-8")
    shutil.rmtree(out_dir, ignore_errors=True)
    staging.replace(out_dir)
    manifest.write(path, {"format": FORMAT, "sha256": digest, "counts": {"val": len(rows)}})
    return out_dir


def build(src: Path = config.MNIST_DATA, out_dir: Path = config.SUBSET_DATA,
          manifest_path: Path = MANIFEST_FILE, parent_manifest: Path = data_build.MANIFEST_FILE,
          force: bool = False, progress: bool = True,
          counts: dict[str, int] | None = None) -> data_build.Result:
    """Build the subset (``counts`` digits a class, default kit.toml [subset]) from the built data unless a
    valid one from the same data is there."""
    if not parent_manifest.is_file():
        raise DataError(f"{parent_manifest}: missing; build the data first (`make data`)")
    parent = manifest.read(parent_manifest) or {}
    expected = {"format": FORMAT, "per_class": counts or per_class(),
                "parent_manifest_sha256": manifest.sha256_file(parent_manifest)}
    with manifest.build_lock(out_dir):
        recorded = manifest.read(manifest_path)
        if not force and not problems(out_dir, recorded, expected):
            return data_build.Result(True, recorded, [])
        staging = out_dir.with_name(out_dir.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        sha: dict[str, str] = {}
        sizes: dict[str, int] = {}
        histograms: dict[str, dict[str, int]] = {}
        for split in layout.SPLITS:
            csv_path = src / f"{split}.csv"
            rows = first_per_class(layout.read_csv(csv_path), expected["per_class"][split], csv_path)
            (staging / split).mkdir(parents=True)
            for name, _ in tqdm(rows, desc=f"subset {split}", unit="img", disable=not progress):
                source_png = layout.png_path(src, split, name)
                if not source_png.is_file():
                    raise DataError(f"{source_png}: missing; rebuild the data (`make data`)")
                shutil.copyfile(source_png, layout.png_path(staging, split, name))
            text = layout.csv_text(rows)
            (staging / f"{split}.csv").write_text(text, encoding="utf-8")
            sha[f"{split}.csv"] = manifest.sha256_bytes(text.encode())
            sha[f"{split}/"] = layout.tree_digest(staging, split, [name for name, _ in rows])
            sizes[split] = len(rows)
            histograms[split] = manifest.histogram(label for _, label in rows)
        shutil.rmtree(out_dir, ignore_errors=True)
        staging.replace(out_dir)
        new = expected | {"source": parent.get("source", {}).get("name"), "counts": sizes,
                          "label_histogram": histograms, "sha256": sha, "train_sorted_by_label": True}
        manifest.write(manifest_path, new)
        return data_build.Result(False, new, [])
