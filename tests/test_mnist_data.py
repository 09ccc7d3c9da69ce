"""data/mnist_data: IDX reading, the sources, the seed layout, determinism, skipping and the zip."""
from __future__ import annotations

import dataclasses
import gzip
import hashlib
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from nndebug import config
from nndebug.mnist import build, idx, layout, manifest, sources
from nndebug.mnist.errors import DataError


def idx_bytes(magic: int, dims: list[int], payload: bytes) -> bytes:
    return b"".join(x.to_bytes(4, "big") for x in [magic, *dims]) + payload


def test_idx_reads_plain_and_gzip(tmp_path: Path) -> None:
    images = np.arange(3 * 28 * 28, dtype=np.uint32).astype(np.uint8).reshape(3, 28, 28)
    (tmp_path / "a-images").write_bytes(idx_bytes(idx.IMAGES_MAGIC, [3, 28, 28], images.tobytes()))
    (tmp_path / "a-labels.gz").write_bytes(gzip.compress(idx_bytes(idx.LABELS_MAGIC, [3], bytes([7, 0, 9]))))
    assert np.array_equal(idx.read_images(tmp_path / "a-images"), images)
    assert idx.read_labels(tmp_path / "a-labels.gz").tolist() == [7, 0, 9]


@pytest.mark.parametrize("content, message", [
    (idx_bytes(idx.LABELS_MAGIC, [1, 28, 28], bytes(784)), "magic number"),
    (idx_bytes(idx.IMAGES_MAGIC, [2, 28, 28], bytes(784)), "truncated"),
    (b"\x1f\x8b\x08garbage", "corrupt gzip"),
])
def test_idx_errors_name_the_file(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message) as info:
        idx.read_images(path)
    assert str(path) in str(info.value)


def test_md5sums_mismatch_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(b"x")
    (tmp_path / "MD5SUMS").write_text(f"{'0' * 32}  {path.name}\n")
    with pytest.raises(DataError, match="MD5") as info:
        idx.check_md5sums([path])
    assert path.name in str(info.value)
    (tmp_path / "MD5SUMS").write_text(f"{hashlib.md5(b'x').hexdigest()}  {path.name}\n")  # noqa: S324
    assert idx.check_md5sums([path]) == 1


def test_corrupt_mnist_dir_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"not idx"))
    monkeypatch.setenv("MNIST_DIR", str(tmp_path))
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte"):  # one of the pair is missing
        sources.locate()
    labels = gzip.compress(idx_bytes(idx.LABELS_MAGIC, [1], b"\0"))
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(labels)
    located = sources.locate()
    assert located.name == "embedded+t10k"
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte.gz"):
        sources.load(located)


def test_missing_mnist_dir_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(DataError, match="MNIST_DIR"):
        sources.locate()


def test_embedded_holdout_is_seeded_and_disjoint() -> None:
    images, labels = sources.read_embedded(sources.embedded_csv())
    assert images.shape == (5000, 28, 28) and images.dtype == np.uint8
    train, val = sources.holdout(images, labels, 100, seed=0)
    again, _ = sources.holdout(images, labels, 100, seed=0)
    assert train.names == again.names
    assert np.bincount(val.labels, minlength=10).tolist() == [100] * 10
    assert not set(train.names) & set(val.names) and len(train.names) == 4000
    assert val.names == sorted(val.names)  # source order kept


def test_set_aside_is_seeded_disjoint_and_never_a_published_image() -> None:
    images, labels = sources.read_embedded(sources.embedded_csv())
    mine, theirs = np.arange(0, 5000, 5), np.arange(1, 5000, 50)  # 100 and 10 a class
    digits = sources.Split(images[mine], labels[mine], [f"{i:05d}" for i in mine])
    others = sources.Split(images[theirs], labels[theirs], [f"{i:05d}" for i in theirs])
    digits.images[1] = digits.images[0]  # a duplicate inside, and one of a published split's images
    digits.images[2] = others.images[0]
    kept, aside = sources.set_aside(digits, others, 5, seed=0)
    again, aside_again = sources.set_aside(digits, others, 5, seed=0)
    assert aside.names == aside_again.names and kept.names == again.names
    assert np.bincount(aside.labels, minlength=10).tolist() == [5] * 10
    assert sorted(kept.names + aside.names) == digits.names and aside.names == sorted(aside.names)
    assert not set(digits.names[:3]) & set(aside.names)
    published = set(sources.pixel_keys(kept.images)) | set(sources.pixel_keys(others.images))
    assert not published & set(sources.pixel_keys(aside.images))
    with pytest.raises(DataError, match="private_per_class"):
        sources.set_aside(digits, others, 200, seed=0)


def test_every_source_sets_check_digits_aside_from_the_right_split() -> None:
    with_test_digits = sources.Located("embedded+t10k", {})
    assert with_test_digits.private_from == "val" and sources.Located("mnist_dir", {}).private_from == "val"
    assert sources.Located("torchvision", {}).private_from == "val"
    assert sources.Located(build.FALLBACK, {}).private_from == "train"
    assert "holdout_per_class" in sources.settings(build.FALLBACK)
    assert "private_per_class" in with_test_digits.settings()


def small_source() -> tuple[sources.Located, sources.Split, sources.Split, sources.Split]:
    images, labels = sources.read_embedded(sources.embedded_csv())
    pick = np.r_[4970:5000, 0:30, 500:530]  # digits 9, 0, 1: not sorted by label
    train = sources.Split(images[pick], labels[pick], [f"{i:05d}" for i in pick])
    val = sources.Split(images[:20], labels[:20], [f"{i:05d}" for i in range(20)])
    private = sources.Split(images[40:50], labels[40:50], [f"{i:05d}" for i in range(40, 50)])
    return sources.Located("embedded+holdout", {"embedded": sources.embedded_csv()}), train, val, private


def test_write_is_deterministic_and_verifiable(tmp_path: Path) -> None:
    located, train, val, private = small_source()
    made = [build.write(tmp_path / run / "mnist_data", tmp_path / run / "mnist_data.zip", located, train, val,
                        private, progress=False) for run in ("one", "two")]
    assert made[0] == made[1]
    for name in ("mnist_data.zip", "mnist_data/train.csv", "mnist_data/val.csv", "mnist_data/val/00007.png",
                 "private/val.csv", "private/val/00041.png"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    root, zip_path = tmp_path / "one" / "mnist_data", tmp_path / "one" / "mnist_data.zip"
    assert build.problems(root, zip_path, made[0]) == []
    with zipfile.ZipFile(zip_path) as archive:
        assert not [name for name in archive.namelist() if "private" in name or name.endswith("00041.png")]
    assert made[0]["private"]["counts"] == {"val": 10} and not (root / "val" / "00041.png").exists()
    check_digit = tmp_path / "one" / "private" / "val" / "00041.png"
    check_digit.write_bytes(build.encode_png(np.zeros((28, 28), np.uint8)))
    assert build.problems(root, zip_path, made[0]) == [f"{check_digit.parent}: PNGs changed"]
    check_digit.write_bytes((tmp_path / "two" / "private" / "val" / "00041.png").read_bytes())
    rows = layout.read_csv(root / "train.csv")
    assert [label for _, label in rows] == sorted(label for _, label in rows)
    assert [name for name, _ in rows] == [f"{i:05d}" for i in np.r_[0:30, 500:530, 4970:5000]]  # stable
    cv2.imwrite(str(root / "val" / "00003.png"), np.zeros((28, 28), np.uint8))
    assert build.problems(root, zip_path, made[0]) == [f"{root / 'val'}: PNGs changed"]
    (root / "val" / "00003.png").unlink()
    assert any("00003.png: missing" in problem for problem in build.problems(root, zip_path, made[0]))


def test_built_data_matches_the_seed_layout(mnist_data: Path) -> None:
    recorded = manifest.read(build.MANIFEST_FILE)
    assert recorded is not None and recorded["source"]["name"] in sources.DESCRIPTIONS
    for split in layout.SPLITS:
        assert (mnist_data / f"{split}.csv").read_text().splitlines()[0] == "image_name,label"
        rows = layout.read_csv(mnist_data / f"{split}.csv")
        assert len(rows) == recorded["counts"][split] == len(list((mnist_data / split).glob("*.png")))
        assert manifest.histogram(label for _, label in rows) == recorded["label_histogram"][split]
        image = cv2.imread(str(layout.png_path(mnist_data, split, rows[0][0])))
        assert image.shape == (28, 28, 3) and image.dtype == np.uint8 and image.max() > 0
    train_rows = layout.read_csv(mnist_data / "train.csv")
    assert train_rows == sorted(train_rows, key=lambda row: (row[1], row[0]))  # by label, stable
    val_names = [name for name, _ in layout.read_csv(mnist_data / "val.csv")]
    assert val_names == sorted(val_names)  # the source's order
    minimum = {"mnist_dir": 60_000, "torchvision": 60_000}.get(recorded["source"]["name"], 3_000)
    assert recorded["counts"]["train"] >= minimum


def test_check_digits_are_set_aside_per_class(mnist_data: Path) -> None:
    recorded = manifest.read(build.MANIFEST_FILE)
    per_class = config.kit().data.private_per_class
    rows = layout.read_csv(build.PRIVATE_DATA / "val.csv")
    assert recorded["private"]["label_histogram"]["val"] == {str(d): per_class for d in range(10)}
    assert manifest.histogram(label for _, label in rows) == recorded["private"]["label_histogram"]["val"]
    assert len(list((build.PRIVATE_DATA / "val").glob("*.png"))) == len(rows)
    assert [name for name, _ in rows] == sorted(name for name, _ in rows)  # the source's order
    taken_from = layout.read_csv(mnist_data / f"{recorded['private']['taken_from']}.csv")
    assert not {name for name, _ in rows} & {name for name, _ in taken_from}  # names: indices in one source


def test_zip_unpacks_to_mnist_data(mnist_data: Path) -> None:
    with zipfile.ZipFile(config.MNIST_ZIP) as archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        assert names == sorted(names) and names[0] == "mnist_data/"
        assert all(name.startswith("mnist_data/") for name in names)
        assert {info.date_time for info in infos} == {build.ZIP_DATE}
        assert archive.read("mnist_data/train.csv") == (mnist_data / "train.csv").read_bytes()
        pngs = [name for name in names if name.endswith(".png")]
        assert len(pngs) == sum(1 for _ in mnist_data.glob("*/*.png"))


def test_rerun_skips(mnist_data: Path) -> None:
    result = build.build(download=False, progress=False)
    assert result.skipped and result.manifest == manifest.read(build.MANIFEST_FILE)


def test_four_idx_files_in_mnist_dir_come_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MNIST_DIR", str(tmp_path))
    for role, stem in idx.STEMS.items():
        (tmp_path / (stem + (".gz" if role.startswith("val") else ""))).write_bytes(b"")
    located = sources.locate(download=False)
    assert located.name == "mnist_dir" and located.full and set(located.files) == set(idx.STEMS)
    (tmp_path / "train-labels-idx1-ubyte").unlink()
    with pytest.raises(DataError, match="train-labels-idx1-ubyte"):
        sources.locate(download=False)


def test_a_richer_build_is_kept_when_only_the_fallback_is_there(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MNIST_DIR", raising=False)
    _, train, val, private = small_source()
    richer = sources.Located("embedded+t10k", {"embedded": sources.embedded_csv()})
    out, zip_path, manifest_path = tmp_path / "mnist_data", tmp_path / "mnist_data.zip", tmp_path / "m.json"
    manifest.write(manifest_path, build.write(out, zip_path, richer, train, val, private, progress=False))
    kept = build.build(out, zip_path, manifest_path, download=False, progress=False)
    assert kept.skipped and kept.manifest["source"]["name"] == "embedded+t10k"
    assert any("kept mnist_data/ built from embedded+t10k" in note for note in kept.notes)
    rebuilt = build.build(out, zip_path, manifest_path, download=False, progress=False, force=True)
    assert not rebuilt.skipped and rebuilt.manifest["source"]["name"] == build.FALLBACK
    assert build.build(out, zip_path, manifest_path, download=False, progress=False).skipped
    chosen = config.kit()
    fewer = dataclasses.replace(chosen, data=dataclasses.replace(chosen.data, private_per_class=40))
    with config.use(fewer):  # other [data] settings: stale, rebuilt
        again = build.build(out, zip_path, manifest_path, download=False, progress=False)
    assert not again.skipped and again.manifest["private"]["counts"] == {"val": 400}
    assert again.manifest["settings"]["private_per_class"] == 40
