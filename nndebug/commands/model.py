"""``python -m nndebug model``: train and bug-seed data/pretrained_model.pt, with its manifest."""
from __future__ import annotations

import argparse
import time

from nndebug import config
from nndebug.commands import BAD_INPUT, FAILED, error
from nndebug.mnist.errors import DataError
from nndebug.pretrained import build


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force", action="store_true", help="retrain even when the model is valid")


def run(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    try:
        result = build.build(force=args.force)
    except DataError as exc:
        error("model", exc)
        return BAD_INPUT
    except build.ModelError as exc:
        error("model", exc)
        return FAILED
    made, checks = result.manifest, result.manifest["checks"]
    action = "valid, skipped" if result.skipped else f"built on {made['device']}"
    seconds = time.perf_counter() - start
    print(f"model: {config.MODEL_FILE.relative_to(config.ROOT)} {action} in {seconds:.1f} s "
          f"(source {made['source']}, seed {made['seed']}); zeroed {', '.join(made['zeroed'])}")
    print(f"model: val acc {made['val_acc_before_zeroing']:.4f} before zeroing, "
          f"{made['val_acc_after_zeroing']:.4f} after; "
          f"(a) identical outputs: {checks['a_output_identical']['passed']}; "
          f"(b) trained as is: {checks['b_train_as_is']['val_acc']:.4f}; "
          f"(c) re-init + 1 epoch: {checks['c_reinit_finetune']['val_acc']:.4f}")
    return 0
