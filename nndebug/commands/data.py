"""``python -m nndebug data``: build data/mnist_data/, data/mnist_data.zip and their manifest."""
from __future__ import annotations

import argparse
import time

from nndebug import config
from nndebug.commands import BAD_INPUT, error
from nndebug.mnist import build
from nndebug.mnist.errors import DataError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true",
                        help="rebuild even when the build is valid (say, to retry the download)")
    parser.add_argument("--no-download", action="store_true",
                        help="do not let torchvision try to download MNIST")


def run(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    try:
        result = build.build(force=args.force, download=not args.no_download)
    except DataError as exc:
        error("data", exc)
        return BAD_INPUT
    for note in result.notes:
        print(f"data: {note}")
    print(summary(result, time.perf_counter() - start))
    return 0


def summary(result: build.Result, seconds: float) -> str:
    """Two lines: built or skipped, the source, the counts."""
    made = result.manifest
    rel = config.MNIST_DATA.relative_to(config.ROOT)
    action = "valid, skipped" if result.skipped else "built"
    return (f"data: {rel}/ {action} in {seconds:.1f} s; source {made['source']['name']}: "
            f"{made['source']['description']}\n"
            f"data: train {made['counts']['train']} (sorted by label), val {made['counts']['val']}; "
            f"zip {config.MNIST_ZIP.relative_to(config.ROOT)}, manifest {build.MANIFEST_FILE.name}")
