"""``python -m nndebug subset``: build the grading subset data/grading/mnist_data/."""
from __future__ import annotations

import argparse
import time

from nndebug import config
from nndebug.mnist import subset
from nndebug.mnist.errors import DataError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true", help="rebuild even when the subset is valid")


def run(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    try:
        result = subset.build(force=args.force)
    except DataError as exc:
        print(f"subset: {exc}")
        return 1
    made = result.manifest
    action = "valid, skipped" if result.skipped else "built"
    print(f"subset: {config.SUBSET_DATA.relative_to(config.ROOT)}/ {action} in "
          f"{time.perf_counter() - start:.1f} s from source {made['source']}: "
          f"train {made['counts']['train']} ({made['per_class']['train']} a class, sorted by label), "
          f"val {made['counts']['val']} ({made['per_class']['val']} a class)")
    return 0
