"""The student's own training curves against the kit's reference fix, as a PNG for the feedback."""
from __future__ import annotations

import io
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the headless backend
from matplotlib.ticker import MaxNLocator  # noqa: E402

MAX_POINTS = 1_000        # epochs drawn at most (evenly spaced when there are more)
MAX_VALUE = 1e6           # values drawn at most this far from 0 (a loss of 1e308 breaks the axes' arithmetic)


def _number(value: object) -> float:
    """A finite number clipped to ±MAX_VALUE; NaN (not drawn) for anything else."""
    try:
        number = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan
    except OverflowError:
        return math.nan
    return max(-MAX_VALUE, min(MAX_VALUE, number)) if math.isfinite(number) else math.nan


def _clean(values: object) -> list[float]:
    """What of a curve is drawn: at most MAX_POINTS values (every ``_step``-th), each :func:`_number`."""
    values = list(values) if isinstance(values, list | tuple) else []
    return [_number(v) for v in values[::_step(values)]]


def _step(values: object) -> int:
    return max(1, -(-len(values) // MAX_POINTS)) if isinstance(values, list | tuple) else 1


def has_curves(curves: dict[str, list[float]]) -> bool:
    """Is there anything to draw (one finite value)?"""
    return any(math.isfinite(v) for values in curves.values() for v in _clean(values))


def training_png(mine: dict[str, list[float]], reference: dict[str, list[float]], title: str) -> bytes:
    """Val accuracy and train loss per epoch: the student's run (solid) and the reference fix (dashed)."""
    fig, axes = plt.subplots(1, 2, figsize=(8, 3), dpi=80)
    try:
        panels = (("val_acc", "val accuracy / accuracy на валидации", (0, 1.02)),
                  ("train_loss", "train loss / loss на обучении", None))
        for ax, (key, label, limits) in zip(axes, panels, strict=True):
            runs = ((reference, "--", "reference fix / эталон"), (mine, "-o", "your run / ваш запуск"))
            for curves, style, name in runs:
                values = _clean(curves.get(key, []))
                step = _step(curves.get(key, []))
                if values and any(math.isfinite(v) for v in values):
                    ax.plot(range(1, step * len(values) + 1, step), values, style, label=name, markersize=3)
            ax.set_title(label, fontsize=9)
            ax.set_xlabel("epoch / эпоха", fontsize=8)
            if limits:
                ax.set_ylim(*limits)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(alpha=0.3)
            ax.tick_params(labelsize=7)
        if axes[0].get_legend_handles_labels()[0]:
            axes[0].legend(fontsize=7, loc="lower right")
        fig.suptitle(title, fontsize=10)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png")
        return out.getvalue()
    finally:
        plt.close(fig)
