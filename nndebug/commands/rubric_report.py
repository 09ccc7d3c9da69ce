"""``python -m nndebug rubric-report``: how the rubric agrees with the TA scores of tests/rubric_corpus/,
each set apart (the kit's own answers; each independent set, beside its pre-tuning figures; each term of TA
decisions read back from the gradebook), with the share routed to a TA task by task."""
from __future__ import annotations

import argparse
from pathlib import Path

from nndebug.commands import BAD_INPUT
from nndebug.commands import error as report_error
from nndebug.rubric import corpus
from nndebug.rubric.spec import RubricError

BANDS = ("0", "part", "full")
HEADER = "set/task        answers   exact  right/wrong routed wrong-full confidently-wrong"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, default=None,
                        help="one folder of taskN.toml answers (default: every set of tests/rubric_corpus/)")
    parser.add_argument("--rubric", type=Path, default=None,
                        help="rubric file (default notebooks/rubric.toml)")


def _line(label: str, f: corpus.Figures) -> str:
    return (f"{label:14s} {f.total:5d}  {f.exact:7.1%}  {f.right_wrong:7.1%}  {f.routed:7.1%}  "
            f"{f.wrong_full_unrouted:5d}  {f.confidently_wrong:5d}")


def _miss(s: corpus.Scored) -> str:
    text = " ".join(s.answer.text.split())
    routed = f" (routed: {'; '.join(s.verdict.review)})" if s.routed else " (NOT routed)"
    ident = f"{s.answer.id} " if s.answer.id else ""
    intent = f"/{s.answer.intent}" if s.answer.intent else ""
    note = f" TA note: {s.answer.note}." if s.answer.note else ""
    note += f" Disputed: {s.answer.disagreement}." if s.answer.disagreement else ""
    return (f"- {ident}task {s.answer.task} [{s.answer.kind}{intent}, {s.answer.lang}] "
            f"TA {s.answer.score:g}, rubric {s.verdict.fraction:g}{routed}:{note} {text[:160]}")


def report_set(name: str, scored: list[corpus.Scored],
               before: dict[str, corpus.Figures] | None = None) -> str:
    """One set's figures per task (and before tuning, when recorded), its confusion and its misses."""
    out = [f"== {name}: {len(scored)} answers", HEADER]
    tasks = corpus.per_task(scored)
    for task, figures in tasks.items():
        label = f"task {task}"
        out.append(_line(label, figures))
        if before and label in before:
            out.append(_line("  pre-tuning", before[label]))
    out.append(_line("all", corpus.figures(scored)))
    if before and "all" in before:
        out.append(_line("  pre-tuning", before["all"]))
    out.append("routed to a TA: " + ", ".join(f"task {t} {f.routed:.0%}" for t, f in tasks.items()))
    confusion = corpus.confusion(scored)
    out += ["", "confusion (rows: TA, columns: rubric)", "        " + "".join(f"{b:>6s}" for b in BANDS)]
    out += [f"TA {ta:4s} " + "".join(f"{confusion[(ta, r)]:6d}" for r in BANDS) for ta in BANDS]
    misses = [s for s in scored if not s.exact]
    out += ["", f"answers scored differently from the TA: {len(misses)} "
                f"({sum(s.confidently_wrong for s in misses)} not routed)"]
    out += [_miss(s) for s in sorted(misses, key=lambda s: s.routed)]
    verdict = "met" if corpus.meets_goal(scored) else "NOT met"
    out += ["", f"goal for {name}, task by task: no answer confidently wrong (a different score, not "
                f"routed), at most {corpus.GOALS['routed']:.0%} routed: {verdict}", ""]
    return "\n".join(out)


def report(sets: dict[str, list[corpus.Scored]], before: dict[str, dict[str, corpus.Figures]] | None = None
           ) -> str:
    """Every set's report, as printed; ``before``: each set's pre-tuning record, by set name."""
    out = ["Rubric against the TA scores of the corpus (exact: same fraction; right/wrong: both give some "
           "credit or both none; routed: sent to a TA; wrong-full: TA 0, rubric full marks, not routed; "
           "confidently wrong: a different score without routing)", ""]
    for name, scored in sets.items():
        out.append(report_set(name, scored, (before or {}).get(name)))
    return "\n".join(out)


def run(args: argparse.Namespace) -> int:
    try:
        if args.corpus is None:
            answers = corpus.load_sets()
            before = {name: corpus.pretuning(folder / corpus.PRETUNING)
                      for name, folder in corpus.set_dirs().items()}
        else:
            answers = {str(args.corpus): corpus.load(args.corpus)}
            before = {}
        empty = [name for name, rows in answers.items() if not rows]
        if empty:
            report_error("rubric-report", f"no taskN.toml answers in the set(s) {', '.join(empty)}")
            return BAD_INPUT
        sets = {name: corpus.score(rows, args.rubric) for name, rows in answers.items()}
    except (RubricError, ValueError, OSError) as error:
        report_error("rubric-report", error)
        return BAD_INPUT
    print(report(sets, before))
    return 0 if all(corpus.meets_goal(scored) for scored in sets.values()) else 1
