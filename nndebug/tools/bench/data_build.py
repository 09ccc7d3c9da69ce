"""Data-build section: seconds to build the seed layout (PNGs, CSVs, zip) and the grading subset afresh,
into a temporary folder, from the same source as data/mnist_data. There is no seed equivalent to compare."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from nndebug.mnist import build, sources, subset

TITLE = "data build: seconds to build mnist_data (PNGs, CSVs, zip) and the grading subset afresh"


def run() -> list[str]:
    """The section's lines."""
    with tempfile.TemporaryDirectory(prefix="nndebug-bench-") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        located = sources.locate(download=False)
        digits = sources.load(located)
        loaded = time.perf_counter()
        made = build.write(root / "mnist_data", root / "mnist_data.zip", located, *digits, progress=False)
        written = time.perf_counter()
        build_manifest = root / "mnist_data.manifest.json"
        build.manifest.write(build_manifest, made)
        subset.build(src=root / "mnist_data", out_dir=root / "grading" / "mnist_data",
                     manifest_path=root / "grading" / "mnist_data.manifest.json",
                     parent_manifest=build_manifest, progress=False)
        done = time.perf_counter()
    total = made["counts"]["train"] + made["counts"]["val"] + len(digits.private.labels)
    return [
        f"source {located.name}: read and decode inputs {loaded - start:.2f} s",
        f"write {total} PNGs (the check digits' too), 3 CSVs and the zip: {written - loaded:.2f} s "
        f"({total / (written - loaded):,.0f} PNG/s)",
        f"grading subset (copy): {done - written:.2f} s",
    ]
