"""``summary``: what the kit has built, and the score table of the last autograde."""
from __future__ import annotations

import argparse
import csv
import json
from collections import defaultdict
from pathlib import Path

from nndebug import config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", type=Path, default=config.ROOT,
                        help="the graded course (default: the kit's root; make demo: demo/)")
    parser.add_argument("--scores", type=Path, default=None,
                        help="scores.csv to tabulate (default: <root>/autograded/scores.csv)")


def _size(path: Path) -> str:
    if path.is_dir():
        count = sum(1 for p in path.rglob("*") if p.is_file())
        return f"{count} files"
    return f"{path.stat().st_size / 2**20:.1f} MiB"


def built_lines() -> list[str]:
    """One line per pipeline stage: built (with its size) or missing."""
    stages = [
        ("MNIST data", config.MNIST_DATA),
        ("zip", config.MNIST_ZIP),
        ("grading subset", config.SUBSET_DATA),
        *((f"{nb.split('_')[0]} grading data", config.grading_data(nb))
          for nb in (config.notebook(n) for n in config.TASKS)
          if config.grading_data(nb) != config.SUBSET_DATA),
        ("pretrained model", config.MODEL_FILE),
        ("source notebooks", config.SOURCE_DIR / config.assignment()),
        ("release notebooks", config.RELEASE_DIR / config.assignment()),
    ]
    lines = []
    for name, path in stages:
        state = _size(path) if path.exists() else "missing"
        lines.append(f"  {name:18s} {path.relative_to(config.ROOT)}  [{state}]")
    for manifest in sorted(config.DATA_DIR.glob("*.manifest.json")):
        info = json.loads(manifest.read_text())
        source = info.get("source") or info.get("data_source")
        if isinstance(source, dict):
            source = f"{source.get('name')} ({source.get('description', '')})"
        if source:
            lines.append(f"  {manifest.name}: source = {source}")
    return lines


def score_table(path: Path) -> list[str]:
    """Per student, the score of each task's fix and explanation, and the total."""
    if not path.exists():
        return [f"  no {_shown(path)} yet"]
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    columns = [f"task{t}_{kind}" for t in config.TASKS for kind in ("fix", "explanation")]
    table: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
    for row in rows:
        column = next((c for c in columns if row["grade_id"].startswith(c)), None)
        if column is None:
            continue
        cell = table[row["student_id"]][column]
        cell[0] += float(row["score"] or 0)
        cell[1] += float(row["max_score"] or 0)
    width = max([len(s) for s in table] + [10])
    lines = ["  " + "student".ljust(width) + "".join(f"{c:>18s}" for c in columns) + f"{'total':>12s}"]
    for student in sorted(table):
        cells = table[student]
        got = sum(v[0] for v in cells.values())
        top = sum(v[1] for v in cells.values())
        shown = "".join(f"{cells[c][0]:>11.2f}/{cells[c][1]:<6.2f}" for c in columns)
        lines.append("  " + student.ljust(width) + shown + f"{got:>7.2f}/{top:.2f}")
    return lines


def _shown(path: Path) -> Path:
    return path.relative_to(config.ROOT) if path.is_relative_to(config.ROOT) else path


def run(args: argparse.Namespace) -> int:
    root = args.root.resolve()
    graded = root / "autograded"
    scores = args.scores or graded / "scores.csv"
    print("Built:")
    print("\n".join(built_lines()))
    print(f"\nScores ({_shown(scores)}):")
    print("\n".join(score_table(scores)))
    report = graded / "report.md"
    if report.exists():
        print(f"\nWhat could not be graded: {_shown(report)}")
    review = graded / "review.md"
    if review.exists():
        print(f"Explanations for a TA to read: {_shown(review)} ({routed_line(review)})")
    pages = sorted((root / "feedback").glob(f"*/{config.assignment()}/index.html"))
    if pages:
        where = f"{_shown(root / 'feedback')}/<student>/{config.assignment()}/index.html"
        print(f"Feedback for students: {where} "
              f"({len(pages)} page(s), e.g. {_shown(pages[0])})")
    print("\n".join(similarity_lines(graded / "similarity.md")))
    return 0


def similarity_lines(report: Path) -> list[str]:
    """The similarity report in short: how many pairs were flagged, and each (its heading)."""
    if not report.exists():
        return [f"\nSimilarity: no {report.name} yet (make similarity)"]
    headings = [line.removeprefix("## ") for line in report.read_text(encoding="utf-8").splitlines()
                if line.startswith("## ") and line[3:4].isdigit()]
    lines = [f"\nSimilarity, for a person to judge (no grade is changed): {len(headings)} pair(s) flagged: "
             f"{_shown(report)} "
             "(side by side: similarity.html)"]
    return lines + [f"  {heading}" for heading in headings]


def routed_line(review: Path) -> str:
    """The "N of M answers were routed" line of review.md, without its markup."""
    for line in review.read_text(encoding="utf-8").splitlines():
        if "routed" in line:
            return line.replace("*", "").split(";")[0].split(":")[0].strip()
    return "see the file"
