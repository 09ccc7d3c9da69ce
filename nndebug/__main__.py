"""``python -m nndebug <verb> [options]``: one module per verb under ``nndebug/commands/``."""
from __future__ import annotations

import argparse
import importlib
import sys

# verb -> what it does; nndebug/commands/<verb>.py has ``add_arguments(parser)`` and ``run(args) -> int``.
VERBS = {
    "data": "Build data/mnist_data/ (PNG tree, CSVs), data/mnist_data.zip and the manifest.",
    "subset": "Build the grading subset data/grading/mnist_data/.",
    "model": "Train the model and write the bug-seeded data/pretrained_model.pt with its manifest.",
    "release": "Generate source/ from notebooks/ and release/ through nbgrader.",
    "samples": "Write the demo course demo/: sample submissions (reference solutions, untouched release).",
    "autograde": "Grade every submission under submitted/ (optionally one shard).",
    "merge": "Merge the outputs of autograde shards into one grades.csv and scores.csv.",
    "bench": "Print speed figures as ratios against the seed's own code.",
    "fidelity": "Run the seed's experiments, buggy against fixed, and write docs/fidelity.*.",
    "summary": "Print what is built, and the scores of the last autograde.",
    "publish": "Write the student repository's tree and release assets under dist/, and published.json.",
    "collect": "Collect a Moodle/Canvas zip or a folder of Colab downloads into submitted/.",
    "return": "Write grade imports and feedback zips for the LMS under outbound/.",
    "rubric-report": "Print how the explanation rubric agrees with the TA scores of tests/rubric_corpus/.",
    "similarity": "Compare the class's answers with each other and the public ones: autograded/similarity.*.",
    "ta-decisions": "Keep the TA's scores on routed explanations in tests/rubric_corpus/ta/<term>.toml.",
}
# verbs whose module name differs (``return`` is a Python keyword)
MODULES = {"return": "return_", "rubric-report": "rubric_report", "ta-decisions": "ta_decisions"}


def usage() -> str:
    width = max(map(len, VERBS))
    verbs = "\n".join(f"  {verb:{width}s}  {text}" for verb, text in VERBS.items())
    return f"usage: python -m nndebug <verb> [options]\n\nverbs:\n{verbs}\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0 if argv else 2
    verb = argv[0]
    if verb not in VERBS:
        print(f"unknown verb {verb!r}\n\n{usage()}", file=sys.stderr)
        return 2
    from nndebug.settings import SettingsError

    try:
        module = importlib.import_module(f"nndebug.commands.{MODULES.get(verb, verb)}")
        parser = argparse.ArgumentParser(prog=f"python -m nndebug {verb}", description=VERBS[verb])
        module.add_arguments(parser)
        return int(module.run(parser.parse_args(argv[1:])) or 0)
    except SettingsError as err:  # kit.toml itself is wrong: say where, whatever the verb
        print(f"{verb}: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
