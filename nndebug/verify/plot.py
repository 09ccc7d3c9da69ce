"""The student's own training curves against the kit's reference fix, as a PNG for the feedback."""
from __future__ import annotations

import io
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the headless backend
from matplotlib.ticker import MaxNLocator  # noqa: E402


def _clean(values: list[float]) -> list[float]:
    return [v if isinstance(v, int | float) and math.isfinite(v) else float("nan") for v in values]


def has_curves(curves: dict[str, list[float]]) -> bool:
    """Is there anything to draw (one finite value)?"""
    return any(math.isfinite(v) for values in curves.values() for v in _clean(values))


def training_png(mine: dict[str, list[float]], reference: dict[str, list[float]], title: str) -> bytes:
    """Val accuracy and train loss per epoch: the student's run (solid) and the reference fix (dashed)."""
    fig, axes = plt.subplots(1, 2, figsize=(8, 3), dpi=80)
    panels = (("val_acc", "val accuracy / accuracy на валидации", (0, 1.02)),
              ("train_loss", "train loss / loss на обучении", None))
    for ax, (key, label, limits) in zip(axes, panels, strict=True):
        runs = ((reference, "--", "reference fix / эталон"), (mine, "-o", "your run / ваш запуск"))
        for curves, style, name in runs:
            values = _clean(curves.get(key, []))
            if values and any(math.isfinite(v) for v in values):
                ax.plot(range(1, len(values) + 1), values, style, label=name, markersize=3)
        ax.set_title(label, fontsize=9)
        ax.set_xlabel("epoch / эпоха", fontsize=8)
        if limits:
            ax.set_ylim(*limits)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7)
    axes[0].legend(fontsize=7, loc="lower right")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    plt.close(fig)
    return out.getvalue()
