"""The shared notebook cells: read from ``notebooks/shared/``, rendered per task, loaded as modules.

The files there are plain Python pasted verbatim into every notebook. The trainer is one template:
task 1 renders it with the seed's ``shuffle=False`` in the training DataLoader, the others as written.
"""
from __future__ import annotations

import types

from nndebug.config import SHARED_CELLS_DIR, kit

# Notebook order: each cell may use names defined by the ones before it.
CELLS = ("imports", "mnist_dataset", "resnet18", "trainer")
TRAIN_LOADER = "train_loader = DataLoader(self.train_dataset, shuffle=True,"


def cell_source(name: str, task_number: int | None = None) -> str:
    """The source of one shared cell; the trainer rendered for ``task_number`` when given."""
    if name not in CELLS:
        raise KeyError(f"no shared cell {name!r}: the cells are {', '.join(CELLS)} in {SHARED_CELLS_DIR}")
    text = (SHARED_CELLS_DIR / f"{name}.py").read_text(encoding="utf-8").rstrip("\n")
    if name == "trainer" and task_number is not None:
        text = render_trainer(text, shuffle=kit().tasks[task_number].shuffle)
    return text


def render_trainer(template: str, shuffle: bool) -> str:
    """The trainer cell with the training DataLoader's ``shuffle`` set; nothing else changes."""
    if template.count(TRAIN_LOADER) != 1:
        raise ValueError(f"the trainer template must hold exactly one {TRAIN_LOADER!r}")
    return template.replace(TRAIN_LOADER, TRAIN_LOADER.replace("True", str(shuffle)))


def load(task_number: int | None = None, name: str = "nn_debug_cells") -> types.ModuleType:
    """Execute the shared cells, in notebook order, into one fresh module (what a notebook holds)."""
    module = types.ModuleType(name)
    for cell in CELLS:
        code = compile(cell_source(cell, task_number), str(SHARED_CELLS_DIR / f"{cell}.py"), "exec")
        exec(code, module.__dict__)  # noqa: S102 - the cells are the kit's own source
    return module
