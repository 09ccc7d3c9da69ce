"""Every variant buggy against its reference fix, in fast mode, and the seed's own answer in every non-seed
variant: the variant's given cells (and a fix) and the recorded training on the task's grading data, judged
by the verifier (``nndebug.variants.reference``). Writes a table: the verdict and the val accuracy of the
trained weights, buggy, fixed and with the seed's answer, per variant."""
from __future__ import annotations

import tempfile
import time
import tomllib
from pathlib import Path

from nndebug import config
from nndebug.variants import families, reference
from nndebug.variants.families import Variant
from nndebug.verify.verdict import Verdict

SEED_ANSWERS = config.NOTEBOOKS_DIR / "seed_answers.toml"
HEADER = """# Fidelity of the variants

Written by `python -m nndebug.variants fidelity` (`make fidelity` with variants on). Each variant's given
cells run as the autograder runs them (fast mode: in-process, on the task's grading data,
`data/grading/<notebook>/`): once as they are (buggy), once with the variant's reference fix in `taskN_fix`
and, for every variant but the seed's, once with the seed student's own fix (`notebooks/seed_answers.toml`)
pasted in; the verifier judges the recorded training. A variant bites when the buggy run scores 0, heals
when the fixed run scores 1, and is not answered by the public seed notebook when the seed's fix scores 0.

| variant | the cause (kit-side only) | buggy | buggy val acc | fixed | fixed val acc | seed's fix | s |
|---|---|---|---|---|---|---|---|
"""


def seed_fix(task: int) -> str:
    """The seed notebook's student's ``taskN_fix`` (kit-side: ``notebooks/seed_answers.toml``)."""
    with open(SEED_ANSWERS, "rb") as fh:
        return tomllib.load(fh)[f"task{task}"]["fix"]


def _accuracy(verdict: Verdict) -> str:
    for line in verdict.measured:
        if "val accuracy" in line.en:
            return line.en.rsplit(" ", 1)[-1]
    return "-"


def _seed_column(verdict: Verdict | None) -> str:
    if verdict is None:
        return "(the seed's own)"
    reason = f" ({': '.join(verdict.reason.en.split(': ')[:2])})" if verdict.reason else ""
    return f"{verdict.fraction:g}{reason}"


def row(variant: Variant, work: Path) -> str:
    """One table row: ``variant`` buggy, fixed and (non-seed) with the seed's fix."""
    start = time.monotonic()
    buggy = reference.verdict(variant, "", work / f"{variant.key}-buggy")
    fixed = reference.verdict(variant, reference.reference_fix(variant), work / variant.key)
    seed = None if variant.is_seed else reference.verdict(variant, seed_fix(variant.task),
                                                           work / f"{variant.key}-seed")
    cells = [variant.key, variant.summary, f"{buggy.fraction:g}", _accuracy(buggy), f"{fixed.fraction:g}",
             _accuracy(fixed), _seed_column(seed), f"{time.monotonic() - start:.0f}"]
    return "| " + " | ".join(cells) + " |"


def run(out: Path, tasks: list[int] | None = None) -> Path:
    """Run every variant of ``tasks``; write ``out`` after each row (partial results stay)."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="nndebug-variant-fidelity-") as tmp:
        for task in tasks or list(config.TASKS):
            for variant in families.family(task):
                rows.append(row(variant, Path(tmp)))
                print(rows[-1], flush=True)
                out.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return out
