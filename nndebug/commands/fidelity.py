"""``python -m nndebug fidelity``: the seed's experiments on the full data, buggy vs. fixed, into docs/."""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd
import torch

from nndebug import config
from nndebug.commands import BAD_INPUT, error
from nndebug.tools import fidelity, fidelity_report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tasks", type=int, nargs="+", default=list(config.TASKS), help="which tasks to run")
    parser.add_argument("--variants", nargs="+", choices=("buggy", "fixed"), default=["buggy", "fixed"])
    parser.add_argument("--seed-steps", action="store_true",
                        help="with fewer than 60,000 training images, multiply the seed's epochs so a run "
                             "takes as many optimizer steps as the seed's did")
    parser.add_argument("--out", type=Path, default=config.DOCS_DIR, help="where to write fidelity.*")


def run(args: argparse.Namespace) -> int:
    for needed, make in ((config.MNIST_DATA / "train.csv", "make data"), (config.MODEL_FILE, "make model")):
        if not needed.exists():
            error("fidelity", f"{needed} is missing: run `{make}` first")
            return BAD_INPUT
    protocol = fidelity.protocol()
    val_images = None if protocol == "gpu" else config.kit().fidelity.cpu_val_images
    threads = torch.get_num_threads()
    device = torch.cuda.get_device_name(0) if protocol == "gpu" else f"CPU ({threads} threads)"
    train = len(pd.read_csv(config.MNIST_DATA / "train.csv"))
    scale = max(1, round(fidelity.SEED_TRAIN_IMAGES / train)) if args.seed_steps else 1
    args.out.mkdir(parents=True, exist_ok=True)
    command = " ".join(["python -m nndebug fidelity",
                        *(["--variants", *args.variants] if args.variants != ["buggy", "fixed"] else []),
                        *(["--seed-steps"] if args.seed_steps else [])])
    runs = []
    with tempfile.TemporaryDirectory(prefix="nndebug-fidelity-") as tmp:
        for task in args.tasks:
            for variant in args.variants:
                folder = fidelity.stage(Path(tmp) / f"task{task}_{variant}", val_images)
                result = fidelity.experiment(task, variant, folder, config.kit().tasks[task].epochs * scale)
                per_epoch = ", ".join(f"{a:.3f}" for a in result.accuracy)
                print(f"task {task} {variant}: val acc {per_epoch} ({result.seconds:.0f} s)", flush=True)
                runs.append(result)
                val = len(pd.read_csv(folder / "mnist_data" / "val.csv"))
                # after every run: partial results stay
                write(runs, args.out, fidelity_report.Setup(protocol, device, train, val, scale, command))
    print(f"wrote {args.out}/fidelity.md, fidelity.csv, fidelity.png")
    return 0


def write(runs: list[fidelity.Run], out: Path, setup: fidelity_report.Setup) -> None:
    """The three report files for the runs so far."""
    fidelity_report.write_csv(runs, out / "fidelity.csv")
    fidelity_report.write_plot(runs, out / "fidelity.png")
    fidelity_report.write_markdown(runs, out / "fidelity.md", setup)
