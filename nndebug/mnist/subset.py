"""The grading subset ``data/grading/mnist_data/``: the first N digits of each class, same layout.

Train keeps ``train.csv``'s order (sorted by label, so 128 a class is one unshuffled batch per class);
val keeps ``val.csv``'s order. PNGs are copied from ``data/mnist_data``. Skips when valid. A task with
its own ``grading_train_per_class`` gets ``data/grading/<notebook>/mnist_data/`` the same way, with fewer
training digits (a prefix of the grading subset's). Beside each, ``verify/``: the verifier's held-back digits,
the first [subset] verify_per_class a class of the check digits ``data/private/`` (none of them published).
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
VERIFY_FORMAT = 2  # 2: drawn from data/private/ (1: from the published val split)


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


def verify_rows(pool: Path = data_build.PRIVATE_DATA) -> list[tuple[str, int]]:
    """The held-back digits: the first [subset] verify_per_class of each class of the check digits ``pool``
    (``data/private/``, in source order)."""
    chosen = config.kit().subset
    csv_path = pool / f"{data_build.PRIVATE_SPLIT}.csv"
    if not csv_path.is_file():
        raise DataError(f"{csv_path}: missing: the data was built without the check digits; rebuild it "
                        "(`make data subset`)")
    return first_per_class(layout.read_csv(csv_path), chosen.verify_per_class, csv_path)


def verify_problems(out_dir: Path, parent_manifest: Path | None = None) -> list[str]:
    """Why ``out_dir`` (a ``verify/`` folder) is not a valid set of held-back digits from the check digits;
    with ``parent_manifest``, also when it was drawn from another data build than that one."""
    recorded = manifest.read(manifest_file(out_dir))
    if recorded is None or recorded.get("format") != VERIFY_FORMAT:
        return [f"{manifest_file(out_dir).name} missing or of an older format"]
    if recorded.get("per_class") != config.kit().subset.verify_per_class:
        return [f"{manifest_file(out_dir).name}: [subset] verify_per_class changed"]
    if parent_manifest is not None and (not parent_manifest.is_file() or recorded.get(
            "parent_manifest_sha256") != manifest.sha256_file(parent_manifest)):
        return [f"{manifest_file(out_dir).name}: drawn from another data build"]
    return layout.problems(out_dir, recorded.get("sha256", {}), (data_build.PRIVATE_SPLIT,))


def build_verify(out_dir: Path, pool: Path = data_build.PRIVATE_DATA, force: bool = False,
                 parent_manifest: Path = data_build.MANIFEST_FILE) -> Path:
    """``out_dir/val.csv`` and ``out_dir/val/``: the held-back digits (copied from the check digits
    ``pool``), never staged for a kernel; skipped when valid and drawn from the data build of
    ``parent_manifest``."""
    split = data_build.PRIVATE_SPLIT
    if not parent_manifest.is_file():
        raise DataError(f"{parent_manifest}: missing; build the data first (`make data`)")
    with manifest.build_lock(out_dir):
        if not force and not verify_problems(out_dir, parent_manifest):
            return out_dir
        rows = verify_rows(pool)
        staging = out_dir.with_name(out_dir.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        (staging / split).mkdir(parents=True)
        for name, _ in rows:
            source_png = layout.png_path(pool, split, name)
            if not source_png.is_file():
                raise DataError(f"{source_png}: missing; rebuild the data (`make data subset`)")
            shutil.copyfile(source_png, layout.png_path(staging, split, name))
        text = layout.csv_text(rows)
        (staging / f"{split}.csv").write_text(text, encoding="utf-8")
        sha = {f"{split}.csv": manifest.sha256_bytes(text.encode()),
               f"{split}/": layout.tree_digest(staging, split, [name for name, _ in rows])}
        shutil.rmtree(out_dir, ignore_errors=True)
        staging.replace(out_dir)
        manifest.write(manifest_file(out_dir), {
            "format": VERIFY_FORMAT, "per_class": config.kit().subset.verify_per_class,
            "parent_manifest_sha256": manifest.sha256_file(parent_manifest),
            "from": pool.name, "counts": {split: len(rows)}, "sha256": sha,
            "label_histogram": {split: manifest.histogram(label for _, label in rows)}})
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
