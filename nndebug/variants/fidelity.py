"""Every variant buggy against its reference fix, in fast mode: the variant's given cells (and fix) and
the recorded training on the task's grading data, judged by the verifier (``nndebug.variants.reference``).
Writes a table: the verdict and the val accuracy of the trained weights, buggy and fixed, per variant."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from nndebug import config
from nndebug.variants import families, reference

HEADER = """# Fidelity of the variants

Written by `python -m nndebug.variants fidelity` (`make fidelity` with variants on). Each variant's given
cells run as the autograder runs them (fast mode: in-process, on the task's grading data,
`data/grading/<notebook>/`), once as they are (buggy) and once with the variant's reference fix in
`taskN_fix`; the verifier judges the recorded training. A variant bites when the buggy run scores 0, and
heals when the fixed run scores 1.

| variant | the cause (kit-side only) | buggy verdict | buggy val acc | fixed verdict | fixed val acc | s |
|---|---|---|---|---|---|---|
"""


def _accuracy(verdict) -> str:
    for line in verdict.measured:
        if "val accuracy" in line.en:
            return line.en.rsplit(" ", 1)[-1]
    return "-"


def run(out: Path, tasks: list[int] | None = None) -> Path:
    """Run every variant of ``tasks`` buggy and fixed; write ``out`` after each (partial results stay)."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="nndebug-variant-fidelity-") as tmp:
        for task in tasks or list(config.TASKS):
            for variant in families.family(task):
                start = time.monotonic()
                buggy = reference.verdict(variant, "", Path(tmp) / f"{variant.key}-buggy")
                fixed = reference.verdict(variant, reference.reference_fix(variant), Path(tmp) / variant.key)
                seconds = time.monotonic() - start
                cells = [variant.key, variant.summary, f"{buggy.fraction:g}", _accuracy(buggy),
                         f"{fixed.fraction:g}", _accuracy(fixed), f"{seconds:.0f}"]
                rows.append("| " + " | ".join(cells) + " |")
                print(rows[-1], flush=True)
                out.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return out
