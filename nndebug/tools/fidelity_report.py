"""Write the fidelity results: ``docs/fidelity.csv``, ``docs/fidelity.md`` and ``docs/fidelity.png``."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from nndebug import config
from nndebug.tools.fidelity import Run

GOALS = {  # the seed's words for each task's buggy run
    1: "за 10 эпох метрика вырастает всего до ~0.15",
    2: "не выше случайного угадывания (~0.1)",
    3: "стоит около 0.1",
}
FIXED_GOAL = 0.98
VARIANTS_LINE = ("Per-student variants (README: Per-student variants): every variant buggy, with its "
                 "reference fix and with the seed's fix, in `fidelity_variants.md` (`make fidelity` with "
                 "variants on).")


@dataclass(frozen=True)
class Setup:
    """Where and on what the runs ran."""

    protocol: str  # "gpu" or "cpu"
    device: str
    train: int  # training images
    val: int  # val images
    epoch_scale: int = 1  # the seed's epochs times this (``--seed-steps``)
    command: str = "python -m nndebug fidelity"


def write_csv(runs: list[Run], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["task", "variant", "epoch", "val_acc"])
        for run in runs:
            for epoch, value in enumerate(run.accuracy, start=1):
                writer.writerow([run.task, run.variant, epoch, f"{value:.4f}"])


def write_plot(runs: list[Run], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(config.TASKS), figsize=(4 * len(config.TASKS), 3.4), sharey=True)
    for axis, task in zip(axes, config.TASKS, strict=True):
        for run in (r for r in runs if r.task == task):
            epochs = range(1, len(run.accuracy) + 1)
            axis.plot(epochs, run.accuracy, marker="o", label=run.variant,
                      color="tab:red" if run.variant == "buggy" else "tab:green")
        axis.axhline(FIXED_GOAL, color="grey", linestyle="--", linewidth=0.8, label=f">= {FIXED_GOAL}")
        axis.set_title(f"task {task}: {config.notebook(task)}")
        axis.set_xlabel("epoch")
        axis.set_ylim(0, 1.02)
        if axis.lines:
            axis.legend(loc="center right")
    axes[0].set_ylabel("val accuracy")
    figure.tight_layout()
    figure.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(figure)


def write_markdown(runs: list[Run], path: Path, setup: Setup) -> None:
    lines = [
        "# Fidelity: the seed's experiments, buggy against fixed",
        "",
        f"Written by `{setup.command}`: each run executes the source notebook's",
        "own cells (shared dataset, model and trainer cells, the task's experiment cell, and for `fixed` the",
        "reference `taskN_fix` cell) on `data/mnist_data`, then `trainer.train(epochs)`; the accuracy is the",
        "`val/metrics` the trainer logs after every epoch. Plot: `fidelity.png`; all values: `fidelity.csv`.",
        "",
        f"- protocol: **{setup.protocol}** on {setup.device}; {setup.train:,} training images, "
        f"{setup.val:,} val images",
        "- gpu protocol: the seed's (all of val.csv); cpu protocol: val.csv cut to kit.toml "
        "[fidelity].cpu_val_images (equally many per class)",
        f"- goal (the seed): buggy as the seed describes it; every fix >= {FIXED_GOAL}",
        *([f"- epochs: the seed's times {setup.epoch_scale} (`--seed-steps`): as many optimizer steps as the "
           f"seed's runs on 60,000 images"] if setup.epoch_scale > 1 else []),
        "",
        "| task | epochs | buggy: final val acc | seed's buggy | fixed: final val acc | fixed >= "
        f"{FIXED_GOAL} | minutes |",
        "|---|---|---|---|---|---|---|",
    ]
    for task in sorted({r.task for r in runs}):
        by = {r.variant: r for r in runs if r.task == task}
        final = [f"{by[v].accuracy[-1]:.3f}" if v in by and by[v].accuracy else "not run"
                 for v in ("buggy", "fixed")]
        reached = "fixed" in by and bool(by["fixed"].accuracy) and by["fixed"].accuracy[-1] >= FIXED_GOAL
        minutes = sum(r.seconds for r in by.values()) / 60
        lines.append(f"| {task} ({config.notebook(task)}) | "
                     f"{config.kit().tasks[task].epochs * setup.epoch_scale} | "
                     f"{final[0]} | {GOALS[task]} | {final[1]} | {'yes' if reached else 'no'} | "
                     f"{minutes:.1f} |")
    longest = max(len(r.accuracy) for r in runs)
    if longest <= 20:
        lines += ["", "Per epoch:", "", "| task | variant | " + " | ".join(
            str(e) for e in range(1, longest + 1)) + " |", "|---|---|" + "---|" * longest]
        for run in runs:
            lines.append(f"| {run.task} | {run.variant} | " + " | ".join(f"{v:.3f}" for v in run.accuracy)
                         + " |")
    else:
        lines += ["", "Per epoch: `fidelity.csv`."]
    if setup.train < 60_000 and setup.epoch_scale == 1:
        lines += ["", f"With {setup.train:,} training images (not the seed's 60,000) a fixed run takes fewer "
                  "steps per epoch than in Colab: its accuracy after the seed's epochs is lower than the "
                  "seed's (`--seed-steps` runs as many steps as the seed's)."]
    lines += ["", VARIANTS_LINE]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
