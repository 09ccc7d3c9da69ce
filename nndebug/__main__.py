"""``python -m nndebug <verb>``: one module per verb under ``nndebug/commands/``."""
from __future__ import annotations

import argparse
import importlib
import sys

# verb -> module under nndebug.commands; each has ``add_arguments(parser)`` and ``run(args) -> int``.
VERBS = {
    "data": "Build data/mnist_data/ (PNG tree, CSVs), data/mnist_data.zip and the manifest.",
    "subset": "Build the grading subset data/grading/mnist_data/.",
    "model": "Train the model and write the bug-seeded data/pretrained_model.pt with its manifest.",
    "release": "Generate source/ from notebooks/ and release/ through nbgrader.",
    "autograde": "Grade every submission under submitted/ (optionally one shard).",
    "merge": "Merge the outputs of autograde shards into one grades.csv and scores.csv.",
    "bench": "Print speed figures as ratios against the seed's own code.",
    "fidelity": "Run the seed's experiments, buggy against fixed, and write docs/fidelity.*.",
    "summary": "Print what is built, and the scores of the last autograde.",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nndebug", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True)
    for verb, help_text in VERBS.items():
        sub = verbs.add_parser(verb, help=help_text, description=help_text)
        sub.set_defaults(module=f"nndebug.commands.{verb}")
        sub.add_argument_group()  # placeholder so the verb shows even before its module loads
    args, _ = parser.parse_known_args(argv)
    module = importlib.import_module(args.module)
    sub = argparse.ArgumentParser(prog=f"python -m nndebug {args.verb}", description=VERBS[args.verb])
    module.add_arguments(sub)
    rest = (argv if argv is not None else sys.argv[1:])[1:]
    return int(module.run(sub.parse_args(rest)) or 0)


if __name__ == "__main__":
    sys.exit(main())
