"""``python -m nndebug rubric-report``: how the rubric agrees with the TA scores of tests/rubric_corpus/."""
from __future__ import annotations

import argparse
from pathlib import Path

from nndebug.commands import BAD_INPUT
from nndebug.commands import error as report_error
from nndebug.rubric import corpus
from nndebug.rubric.spec import RubricError

BANDS = ("0", "part", "full")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", type=Path, default=corpus.CORPUS_DIR, help="folder of taskN.toml answers")
    parser.add_argument("--rubric", type=Path, default=None,
                        help="rubric file (default notebooks/rubric.toml)")


def _line(label: str, scored: list[corpus.Scored]) -> str:
    f = corpus.figures(scored)
    return (f"{label:8s} {f.total:4d}  {f.exact:6.1%}  {f.right_wrong:6.1%}  {f.routed:6.1%}  "
            f"{f.wrong_full_unrouted:3d}  {f.confidently_wrong:3d}")


def report(scored: list[corpus.Scored]) -> str:
    """The figures, the confusion and the disagreements, as printed."""
    out = ["Rubric against the TA scores of the corpus (exact: same fraction; right/wrong: both give some "
           "credit or both none; routed: sent to a TA; wrong-full: TA 0, rubric full marks, not routed; "
           "unrouted misses: a different score without routing)", "",
           "task    answers   exact  right/wrong routed wrong-full unrouted-misses"]
    for task in sorted({s.answer.task for s in scored}):
        out.append(_line(f"task {task}", [s for s in scored if s.answer.task == task]))
    out.append(_line("all", scored))
    confusion = corpus.confusion(scored)
    out += ["", "confusion (rows: TA, columns: rubric)", "        " + "".join(f"{b:>6s}" for b in BANDS)]
    out += [f"TA {ta:4s} " + "".join(f"{confusion[(ta, r)]:6d}" for r in BANDS) for ta in BANDS]
    misses = [s for s in scored if not s.exact]
    out += ["", f"answers scored differently from the TA: {len(misses)}"]
    for s in misses:
        text = " ".join(s.answer.text.split())
        routed = f" (routed: {'; '.join(s.verdict.review)})" if s.routed else ""
        out.append(f"- task {s.answer.task} [{s.answer.kind}, {s.answer.lang}] TA {s.answer.score:g}, rubric "
                   f"{s.verdict.fraction:g}{routed}: {text[:160]}")
    figures = corpus.figures(scored)
    goal = corpus.GOALS
    verdict = "met" if figures.meets_goal() else "NOT met"
    out += ["", f"goal: exact agreement >= {goal['agreement']:.0%}, no wrong answer with full marks "
                f"unrouted, at most {goal['routed']:.0%} routed: {verdict}"]
    return "\n".join(out)


def run(args: argparse.Namespace) -> int:
    try:
        answers = corpus.load(args.corpus)
        scored = corpus.score(answers, args.rubric)
    except (RubricError, ValueError, OSError) as error:
        report_error("rubric-report", error)
        return BAD_INPUT
    if not answers:
        report_error("rubric-report", f"no taskN.toml answers under {args.corpus}")
        return BAD_INPUT
    print(report(scored))
    return 0 if corpus.figures(scored).meets_goal() else 1
