"""``python -m nndebug bench``: speed figures, section by section, as ratios against the seed's own code.

A section is a module ``nndebug.tools.bench.<name>`` with ``TITLE: str`` and ``run() -> list[str]`` (the lines
to print). A section whose module is missing is skipped, so sections can be added independently.
"""
from __future__ import annotations

import argparse
import importlib
import time

from nndebug.commands import BAD_INPUT, DONE, FAILED, error

SECTIONS = ("loader", "data_build", "autograde", "autograde_class", "autograde_varied", "similarity")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sections", nargs="*", metavar="SECTION",
                        help=f"sections to run (default: all of {', '.join(SECTIONS)})")


def run(args: argparse.Namespace) -> int:
    unknown = [name for name in args.sections if name not in SECTIONS]
    if unknown:
        error("bench", f"no section {', '.join(unknown)}; the sections are {', '.join(SECTIONS)}")
        return BAD_INPUT
    failed = 0
    for name in args.sections or SECTIONS:
        try:
            section = importlib.import_module(f"nndebug.tools.bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"nndebug.tools.bench.{name}":
                raise
            print(f"== {name}: skipped (no module nndebug/tools/bench/{name}.py)")
            continue
        print(f"== {section.TITLE}", flush=True)
        start = time.perf_counter()
        try:
            lines = section.run()
        except (FileNotFoundError, RuntimeError) as exc:
            error("bench", f"{name} failed: {exc}")
            failed += 1
            continue
        for line in lines:
            print(f"   {line}")
        print(f"   ({time.perf_counter() - start:.1f} s)", flush=True)
    return FAILED if failed else DONE
