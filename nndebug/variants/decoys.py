"""Decoys: harmless differences of each student's notebooks, so a diff does not single out the planted lines.

A student's per-student notebook differs from the shared example and from every classmate's in many places
that change nothing it does: local names inside the given classes, the order of independent imports,
attribute assignments and helper methods, the layout of the experiment's calls, quotes, blank lines, and
markdown list numbers, bullets and emphasis markers. A diff then shows dozens of changed lines, the planted
ones among them (``python -m nndebug.variants diffs`` measures it; docs/variants.md).

:func:`apply` is the one generation step: ``render.build(variant, lang, draw)`` and ``make publish`` (on the
released notebook: its given cells are the source's) both call it, so grading regenerates exactly the cells a
student got. The draw (:func:`draw_for`) is an HMAC of the course secret and the student's owner token, and
each site's choice a hash of the draw, the task and the site: the same in Russian and English (the English
code stays ``english()`` of the Russian). Never touched: answer and test cells, cell ids and nbgrader
metadata, the setup and training-run cells, global names (the fixes use them), any string's text, the
order of anything that draws random numbers.
"""
from __future__ import annotations

import ast
import hashlib
import hmac
import io
import itertools
import random
import re
import tokenize
from collections.abc import Callable
from dataclasses import dataclass

import nbformat

from nndebug.course.nbcells import is_given, meta

Rule = Callable[[str, random.Random], str]


def draw_for(key: bytes, token: str) -> int:
    """The decoy draw of the student whose owner token is ``token`` (``grading.owner_token``)."""
    digest = hmac.new(key, f"nn-debug decoys|{token}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big")


def student_draw(student: str, key: bytes | None = None) -> int:
    """``student``'s decoy draw (the course secret read when ``key`` is None)."""
    from nndebug.variants import secret

    key = secret.load() if key is None else key
    return draw_for(key, secret.owner_token(key, student))


def _rng(draw: int, task: int, site: str) -> random.Random:
    digest = hashlib.sha256(f"nn-debug decoy|{draw}|{task}|{site}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


# ---------------------------------------------------------------------------------------------- the rules


@dataclass(frozen=True)
class Rename:
    """Local names of one function (``Class.method``) renamed together to one of ``options`` (the first: the
    seed's); ``forced``: never the seed's (the cell always differs from the shared example)."""

    scope: str
    options: tuple[tuple[str, ...], ...]
    forced: bool = False

    def __call__(self, source: str, rng: random.Random) -> str:
        chosen = self.options[rng.randrange(1 if self.forced else 0, len(self.options))]
        return rename(source, self.scope, dict(zip(self.options[0], chosen, strict=True)))


@dataclass(frozen=True)
class Spelling:
    """One of several equivalent texts (the first: the seed's), where the seed's is found exactly once."""

    options: tuple[str, ...]
    forced: bool = False

    def __call__(self, source: str, rng: random.Random) -> str:
        chosen = self.options[rng.randrange(1 if self.forced else 0, len(self.options))]
        return source.replace(self.options[0], chosen) if source.count(self.options[0]) == 1 else source


@dataclass(frozen=True)
class Shuffle:
    """Every run of two or more consecutive lines matching ``line`` (independent statements) reordered."""

    line: str
    forced: bool = False

    def __call__(self, source: str, rng: random.Random) -> str:
        pattern, lines, out = re.compile(self.line), source.split("\n"), []
        for matches, group in itertools.groupby(lines, key=lambda text: bool(pattern.fullmatch(text))):
            run = list(group)
            if matches and len(run) > 1:
                run = _permuted(run, rng, self.forced)
            out += run
        return "\n".join(out)


@dataclass(frozen=True)
class Methods:
    """The helper methods ``names`` of class ``cls`` (consecutive, in this order in the seed) reordered."""

    cls: str
    names: tuple[str, ...]
    forced: bool = False

    def __call__(self, source: str, rng: random.Random) -> str:
        return reorder_methods(source, self.cls, self.names, _permuted(list(self.names), rng, self.forced))


@dataclass(frozen=True)
class Layout:
    """A statement matched by ``pattern`` written in one of ``layouts`` (format strings of its groups; a line
    starting ``<align>`` is indented under the first line's opening parenthesis)."""

    pattern: str
    layouts: tuple[str, ...]
    forced: bool = False

    def __call__(self, source: str, rng: random.Random) -> str:
        chosen = self.layouts[rng.randrange(1 if self.forced else 0, len(self.layouts))]

        def write(match: re.Match[str]) -> str:
            first, *rest = chosen.format(**match.groupdict()).split("\n")
            pad = " " * (first.index("(") + 1)
            return "\n".join([first, *(line.replace("<align>", pad, 1) for line in rest)])

        return re.sub(self.pattern, write, source, count=1)


def quotes(source: str, rng: random.Random) -> str:
    """Every one-line single-quoted string (no quote or backslash inside) double-quoted, or not."""
    if rng.random() < 0.5:
        return source
    lines = source.split("\n")
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    for tok in reversed(tokens):
        (row, start), (end_row, end) = tok.start, tok.end
        if tok.type != tokenize.STRING or row != end_row:
            continue
        match = re.fullmatch(r"([rbfRBF]{0,2})'([^'\"\\\n]*)'", tok.string)
        if match:
            line = lines[row - 1]
            lines[row - 1] = line[:start] + f'{match[1]}"{match[2]}"' + line[end:]
    return "\n".join(lines)


def _permuted(items: list[str], rng: random.Random, forced: bool) -> list[str]:
    """``items`` in a random order (``forced``: never their own, when they differ)."""
    order = items[:]
    for _ in range(20):
        rng.shuffle(order)
        if not forced or order != items or len(set(items)) < 2:
            break
    return order


def rename(source: str, scope: str, names: dict[str, str]) -> str:
    """``source`` with ``names`` renamed in the body of function ``scope``; ValueError unless the code is the
    same but for those names (a name shadowing another, a name in a string: a kit bug, told at once)."""
    names = {old: new for old, new in names.items() if old != new}
    if not names:
        return source
    func = _function(ast.parse(source), scope)
    lines = source.split("\n")
    first, last = func.body[0].lineno, func.end_lineno or func.body[-1].lineno
    word = re.compile(r"(?<![\w.'\"])(" + "|".join(map(re.escape, names)) + r")(?![\w'\"]|=[^=])")
    for row in range(first - 1, last):
        lines[row] = word.sub(lambda m: names[m.group(1)], lines[row])
    out = "\n".join(lines)
    back = {new: old for old, new in names.items()}
    renamed = _function(ast.parse(out), scope)
    for node in ast.walk(renamed):
        if isinstance(node, ast.Name):
            node.id = back.get(node.id, node.id)
    if ast.dump(renamed) != ast.dump(func) or any(
            isinstance(n, ast.Name) and n.id in back for n in ast.walk(func)):
        raise ValueError(f"decoy rename {names} in {scope} changes what the code does")
    return out


def _function(tree: ast.Module, scope: str) -> ast.FunctionDef:
    *outer, name = scope.split(".")
    body: list[ast.stmt] = tree.body
    for cls in outer:
        body = next(n for n in body if isinstance(n, ast.ClassDef) and n.name == cls).body
    return next(n for n in body if isinstance(n, ast.FunctionDef) and n.name == name)


def reorder_methods(source: str, cls: str, names: tuple[str, ...], order: list[str]) -> str:
    """``source`` with the methods ``names`` of class ``cls`` (consecutive, blank-line separated) in
    ``order``; unchanged when they are not found so."""
    tree = ast.parse(source)
    found = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == cls]
    if not found:
        return source
    methods = {n.name: n for n in found[0].body if isinstance(n, ast.FunctionDef) and n.name in names}
    if [n.name for n in found[0].body if n.name in methods] != list(names) or len(methods) != len(names):
        return source
    lines = source.split("\n")
    spans = [(min([m.lineno, *(d.lineno for d in m.decorator_list)]) - 1, m.end_lineno or m.lineno)
             for m in (methods[n] for n in names)]
    if any(any(line.strip() for line in lines[a[1]:b[0]]) for a, b in itertools.pairwise(spans)):
        return source  # something else lies between them
    chunks = {n: "\n".join(lines[a:b]) for n, (a, b) in zip(names, spans, strict=True)}
    gap = "\n" * (spans[1][0] - spans[0][1] + 1) if len(spans) > 1 else "\n"
    middle = gap.join(chunks[n] for n in order)
    return "\n".join([*lines[:spans[0][0]], middle, *lines[spans[-1][1]:]])


def _blank(after: str) -> Spelling:
    """A blank line after the line ``after`` (whole, with its indentation), or none."""
    return Spelling((f"{after}\n\n", f"{after}\n"))


def _no_blank(after: str) -> Spelling:
    return Spelling((f"{after}\n", f"{after}\n\n"))


# -------------------------------------------------------------------------------------- the code cells' sites

STEP, WRITER = "self.global_step = 0", "self.log_writer = SummaryWriter(log_dir=tboard_log_dir)"
SELF_ASSIGN = r"        self\.\w+ = (?!.*self\.)[\w()]+"
DATASET_CALL = (r"(?P<var>mnist_\w+) = MNISTDataset\(images_dir_path=(?P<img>'[^'\n]*'),\n *"
                r"description_csv_path=(?P<csv>'[^'\n]*')\)")
TRAINER_CALL = (r"trainer = Trainer\(model=model, optimizer=opt, train_dataset=mnist_train,\n *"
                r"val_dataset=mnist_val, tboard_log_dir=(?P<dir>'[^'\n]*')\)")
TRAIN_VAL = ("mnist_train = MNISTDataset(images_dir_path='./mnist_data/train/',\n"
             "                           description_csv_path='./mnist_data/train.csv')\n")
VAL = ("mnist_val = MNISTDataset(images_dir_path='./mnist_data/val/',\n"
       "                         description_csv_path='./mnist_data/val.csv')")

SITES: dict[str, tuple[tuple[str, Rule], ...]] = {
    "imports": (
        ("first", Shuffle(r"from pathlib import Path|import numpy as np|import pandas as pd|"
                          r"from tqdm import tqdm|import cv2", forced=True)),
        ("torch", Shuffle(r"import torch(\.nn)?( as nn)?|import torch\.nn\.functional as F|from torch import "
                          r"optim|from torch\.utils\.data import \w+, \w+|from torchvision\.models import "
                          r"resnet18|from torch\.utils\.tensorboard import SummaryWriter")),
        ("data", Spelling(("import Dataset, DataLoader", "import DataLoader, Dataset"))),
    ),
    "mnist_dataset": (
        ("super", _blank("        super().__init__()")),
        ("return", _blank("        label = int(labels[index])")),
        ("read", _blank("        img = np.transpose(img, (2, 0, 1))")),
        ("init", Rename("MNISTDataset.__init__", (("names", "paths"), ("stems", "files"),
                                                  ("keys", "images"), ("ids", "pngs")),
                        forced=True)),
        ("getitem", Rename("MNISTDataset.__getitem__", (("names", "labels", "img", "label"),
                                                        ("keys", "targets", "image", "target"),
                                                        ("image_names", "classes", "pixels", "digit"),
                                                        ("column", "answers", "picture", "y")))),
        ("table", Rename("MNISTDataset._table", (("df",), ("table",), ("frame",), ("rows_df",)))),
        ("image", Rename("MNISTDataset._read_img", (("img",), ("image",), ("array",)))),
        ("decode", Rename("MNISTDataset._decode", (("img",), ("image",), ("pixels",)))),
        ("methods", Methods("MNISTDataset", ("_table", "_image", "_decode", "_read_img"))),
        ("quotes", quotes),
    ),
    "resnet18": (
        ("scale", Spelling(("/ 255.0", "/ 255."))),
        ("super", _blank("        super().__init__()")),
        ("loss", _blank("        logits = self.net(x)")),
        ("return", _blank("        metrics = dict(acc=acc)")),
        ("names", Rename("ResNet18.compute_all", (("x", "y", "logits", "acc", "metrics"),
                                                  ("images", "labels", "scores", "accuracy", "extra"),
                                                  ("inputs", "targets", "outputs", "hits", "info"),
                                                  ("pixels", "classes", "out", "share", "report")),
                         forced=True)),
        ("methods", Methods("ResNet18", ("forward", "compute_all"))),
        ("quotes", quotes),
    ),
    "trainer": (
        ("init", _blank("        self.batch_size = batch_size")),
        ("device", _blank("        self.model = self.model.to(self.device)")),
        ("best", _blank("        best_loss = float('inf')")),
        ("eval", _no_blank("            model.eval()")),
        ("interval", Spelling(("mininterval=1)", "mininterval=1.0)"))),
        ("assign", Shuffle(SELF_ASSIGN, forced=True)),
        ("step", Spelling((f"        {STEP}\n        {WRITER}\n", f"        {WRITER}\n        {STEP}\n"))),
        ("locals", Shuffle(r"        (model|optimizer) = self\.(model|optimizer)")),
        ("loaders", Shuffle(r"        (train|val)_loader = DataLoader\(self\.(train|val)_dataset, "
                            r"shuffle=\w+, batch_size=self\.batch_size\)")),
        ("names", Rename("Trainer.train", (("train_losses", "val_losses", "val_metrics_list", "details"),
                                           ("losses", "eval_losses", "accuracies", "stats"),
                                           ("batch_losses", "valid_losses", "val_accs", "extra"),
                                           ("step_losses", "losses_val", "acc_list", "logged")),
                         forced=True)),
        ("items", Rename("Trainer.train", (("k", "v"), ("key", "value"), ("name", "tensor"),
                                           ("tag", "item")))),
        ("loaders_names", Rename("Trainer.train", (("train_loader", "val_loader", "best_loss"),
                                                   ("loader", "val_batches", "lowest_loss"),
                                                   ("train_batches", "eval_loader", "min_loss")))),
        ("quotes", quotes),
    ),
    "experiment": (
        ("order", Spelling((TRAIN_VAL + VAL, VAL + "\n" + TRAIN_VAL.rstrip("\n")))),
        ("train_call", Layout(DATASET_CALL.replace("(?P<var>mnist_\\w+)", "(?P<var>mnist_train)"), (
            "{var} = MNISTDataset(images_dir_path={img},\n<align>description_csv_path={csv})",
            "{var} = MNISTDataset(description_csv_path={csv},\n<align>images_dir_path={img})",
            "{var} = MNISTDataset(\n    images_dir_path={img},\n    description_csv_path={csv},\n)"))),
        ("val_call", Layout(DATASET_CALL.replace("(?P<var>mnist_\\w+)", "(?P<var>mnist_val)"), (
            "{var} = MNISTDataset(images_dir_path={img},\n<align>description_csv_path={csv})",
            "{var} = MNISTDataset(description_csv_path={csv},\n<align>images_dir_path={img})",
            "{var} = MNISTDataset(\n    images_dir_path={img},\n    description_csv_path={csv},\n)"))),
        ("trainer", Layout(TRAINER_CALL, (
            "trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train,\n"
            "                  val_dataset=mnist_val, tboard_log_dir={dir})",
            "trainer = Trainer(model=model, optimizer=opt,\n                  train_dataset=mnist_train, "
            "val_dataset=mnist_val,\n                  tboard_log_dir={dir})",
            "trainer = Trainer(\n    model=model,\n    optimizer=opt,\n    train_dataset=mnist_train,\n"
            "    val_dataset=mnist_val,\n    tboard_log_dir={dir},\n)",
            "trainer = Trainer(model=model, optimizer=opt, train_dataset=mnist_train,\n"
            "<align>val_dataset=mnist_val,\n<align>tboard_log_dir={dir})"), forced=True)),
        ("quotes", quotes),
    ),
    "tensorboard": (
        ("quotes", quotes),
        ("blank", _blank("import sys")),
    ),
}


# ------------------------------------------------------------------------------------------ markdown cells


def _renumber(text: str, rng: random.Random) -> str:
    """Ordered lists as ``1. 1. 1.`` (the seed's) or ``1. 2. 3.``: the same list in markdown."""
    if rng.random() < 0.5:
        return text
    out, count = [], 0
    for line in text.split("\n"):
        match = re.match(r"(\d+)\. ", line)
        if match:
            count += 1
            line = f"{count}. " + line[match.end():]
        elif line and not line.startswith(" "):
            count = 0
        out.append(line)
    return "\n".join(out)


def _bullets(text: str, rng: random.Random) -> str:
    """Bullets ``-`` (the seed's) or ``*`` in every list of the cell."""
    return text if rng.random() < 0.5 else re.sub(r"(?m)^(\s*)- ", r"\1* ", text)


def _emphasis(text: str, rng: random.Random) -> str:
    """``*em*`` and ``**strong**`` (the seed's) or ``_em_`` and ``__strong__`` where they render the same."""
    if rng.random() < 0.5:
        return text
    text = re.sub(r"(?<![\w*])\*\*([^*_`\n]+?)\*\*(?![\w*])", r"__\1__", text)
    return re.sub(r"(?<![\w*])\*([^*_`\s][^*_`\n]*?)\*(?![\w*])", r"_\1_", text)


MARKDOWN: tuple[tuple[str, Rule], ...] = (("numbers", _renumber), ("bullets", _bullets),
                                          ("emphasis", _emphasis))


# --------------------------------------------------------------------------------------------- the step


def _kind(cell_id: str) -> str:
    """``tensorboard-2`` -> ``tensorboard``: the sites of a cell go by what it is."""
    return re.sub(r"-\d+$", "", cell_id)


def decoyed(source: str, cell_id: str, kind: str, task: int, draw: int) -> str:
    """One cell's source with the student's decoys (code: ``kind`` "code"; markdown: "markdown")."""
    rules = MARKDOWN if kind == "markdown" else SITES.get(_kind(cell_id), ())
    for name, rule in rules:
        source = rule(source, _rng(draw, task, f"{cell_id}:{name}"))
    return source


def apply(nb: nbformat.NotebookNode, task: int, draw: int) -> nbformat.NotebookNode:
    """``nb`` (a task's source or released notebook, either language; changed in place) with the decoys of
    ``draw``: its given code and text cells only."""
    for cell in nb.cells:
        if not cell.get("id") or (meta(cell) and not is_given(cell)):
            continue  # answers and tests as they are
        kind = "markdown" if cell.cell_type == "markdown" else "code"
        cell.source = decoyed(cell.source, cell.id, kind, task, draw)
    return nb
