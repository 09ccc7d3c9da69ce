"""``python -m nndebug subset``: build the grading subset data/grading/mnist_data/ and the tasks' own."""
from __future__ import annotations

import argparse
import time

from nndebug import config
from nndebug.commands import BAD_INPUT, error
from nndebug.mnist import subset
from nndebug.mnist.errors import DataError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true", help="rebuild even when the subset is valid")


def run(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    try:
        made = subset.build_all(force=args.force)
    except DataError as exc:
        error("subset", exc)
        return BAD_INPUT
    for folder, result in made:
        recorded = result.manifest
        action = "valid, skipped" if result.skipped else "built"
        print(f"subset: {folder.relative_to(config.ROOT)}/ {action} from source {recorded['source']}: "
              f"train {recorded['counts']['train']} ({recorded['per_class']['train']} a class, sorted by "
              f"label), val {recorded['counts']['val']} ({recorded['per_class']['val']} a class)")
    print(f"subset: done in {time.perf_counter() - start:.1f} s")
    return 0
