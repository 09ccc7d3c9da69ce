"""data/grading/mnist_data: stratified, ordered as the full data, copied PNGs, skipped when valid."""
from __future__ import annotations

from pathlib import Path

import pytest

from nndebug import config
from nndebug.mnist import build as data_build
from nndebug.mnist import layout, manifest, subset
from nndebug.mnist.errors import DataError


def test_subset_is_the_first_n_of_each_class(mnist_data: Path, grading_subset: Path) -> None:
    per_class = subset.per_class()
    for split in layout.SPLITS:
        full = layout.read_csv(mnist_data / f"{split}.csv")
        rows = layout.read_csv(grading_subset / f"{split}.csv")
        assert manifest.histogram(label for _, label in rows) == {str(d): per_class[split] for d in range(10)}
        seen: dict[int, int] = {}
        expected = []
        for name, label in full:  # first N of each label, in the full data's order
            seen[label] = seen.get(label, 0) + 1
            if seen[label] <= per_class[split]:
                expected.append((name, label))
        assert rows == expected
        for name, _ in rows[:: max(1, len(rows) // 20)]:
            copied = layout.png_path(grading_subset, split, name).read_bytes()
            assert copied == layout.png_path(mnist_data, split, name).read_bytes()
        assert len(list((grading_subset / split).glob("*.png"))) == len(rows)


def test_unshuffled_train_batches_hold_one_digit(grading_subset: Path) -> None:
    labels = [label for _, label in layout.read_csv(grading_subset / "train.csv")]
    batches = [set(labels[i:i + 128]) for i in range(0, len(labels), 128)]
    assert subset.per_class()["train"] == 128 and all(len(batch) == 1 for batch in batches)


def test_rerun_skips_and_manifest_is_consistent(grading_subset: Path) -> None:
    result = subset.build(progress=False)
    assert result.skipped
    recorded = manifest.read(subset.MANIFEST_FILE)
    assert recorded["per_class"] == subset.per_class()
    assert recorded["sha256"]["train.csv"] == manifest.sha256_file(grading_subset / "train.csv")


def test_too_few_digits_is_an_error_naming_the_file(tmp_path: Path) -> None:
    rows = [(f"{i:05d}", i % 10) for i in range(50)]
    with pytest.raises(DataError, match="too few digits") as info:
        subset.first_per_class(rows, 6, tmp_path / "train.csv")
    assert "train.csv" in str(info.value)
    assert len(subset.first_per_class(rows, 5, tmp_path / "train.csv")) == 50


def test_subset_builds_in_a_fresh_folder(mnist_data: Path, tmp_path: Path) -> None:
    out, manifest_path = tmp_path / "mnist_data", tmp_path / "mnist_data.manifest.json"
    first = subset.build(out_dir=out, manifest_path=manifest_path, progress=False)
    assert not first.skipped and first.manifest == manifest.read(subset.MANIFEST_FILE)  # deterministic
    (out / "val" / f"{layout.read_csv(out / 'val.csv')[0][0]}.png").unlink()
    assert not subset.build(out_dir=out, manifest_path=manifest_path, progress=False).skipped  # repaired


def verify_folders() -> list[Path]:
    folders = [config.SUBSET_DATA] + [folder for folder, _ in subset.task_subsets()]
    return [config.verify_data(folder) for folder in folders]


def test_held_back_digits_are_the_first_check_digits_of_each_class(grading_subset: Path) -> None:
    pool = data_build.PRIVATE_DATA
    expected = subset.first_per_class(layout.read_csv(pool / "val.csv"), config.kit().subset.verify_per_class,
                                      pool / "val.csv")
    for folder in verify_folders():
        assert subset.verify_problems(folder, data_build.MANIFEST_FILE) == [], folder
        assert layout.read_csv(folder / "val.csv") == expected
        for name, _ in expected[::25]:
            copied = layout.png_path(folder, "val", name).read_bytes()
            assert copied == layout.png_path(pool, "val", name).read_bytes()


def test_held_back_digits_are_rebuilt_when_stale(grading_subset: Path, tmp_path: Path) -> None:
    out = tmp_path / "verify"
    subset.build_verify(out)
    built = (out / "val.csv").stat().st_mtime_ns
    assert subset.build_verify(out) == out and (out / "val.csv").stat().st_mtime_ns == built  # skipped
    recorded = manifest.read(subset.manifest_file(out))
    manifest.write(subset.manifest_file(out), recorded | {"format": 1})  # drawn by an older kit from val
    assert subset.verify_problems(out)
    subset.build_verify(out)
    assert subset.verify_problems(out, data_build.MANIFEST_FILE) == []
    manifest.write(subset.manifest_file(out), recorded | {"parent_manifest_sha256": "0" * 64})
    assert subset.verify_problems(out) == [] and subset.verify_problems(out, data_build.MANIFEST_FILE)
    with pytest.raises(DataError, match="check digits"):
        subset.verify_rows(tmp_path / "nowhere")
