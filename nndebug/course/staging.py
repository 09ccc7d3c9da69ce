"""The Colab-like folder a notebook runs in: ``mnist_data/`` and ``pretrained_model.pt`` beside it, as the
seed's setup cell leaves them in Colab. The autograder's kernels, the reference run, the screenshot and
``make fidelity`` all stage their folder here."""
from __future__ import annotations

import shutil
from pathlib import Path

DATA_NAME = "mnist_data"               # beside each notebook, as in the seed's Colab
MODEL_NAME = "pretrained_model.pt"
STAGED_NAMES = (DATA_NAME, MODEL_NAME)


def stage(folder: Path, data: Path, model: Path | None) -> Path:
    """``folder`` (made when missing) with ``mnist_data`` linked to ``data`` and ``pretrained_model.pt`` to
    ``model`` (left out when None: a stale one is removed); whatever stood under those names is replaced."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, target in ((DATA_NAME, data), (MODEL_NAME, model)):
        link = folder / name
        if link.is_symlink() or link.is_file():
            link.unlink()
        elif link.is_dir():
            shutil.rmtree(link)
        if target is not None:
            link.symlink_to(target.resolve())
    return folder
