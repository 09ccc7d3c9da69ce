"""The suite's time budget per tier (tests/budget.toml): each complete run of a tier records its wall time and
its slowest tests in ``test-timings/<tier>.json`` and fails when the tier took longer than its budget.

A tier is complete when pytest collected every test of ``testpaths`` under the tier's marker expression
(``make test``: no marker, ``make test-fast``: ``not slow``); a run of a file, a ``-k`` selection or a shard
records nothing and is never failed for time.
"""
from __future__ import annotations

import json
import time
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUDGET_FILE = Path(__file__).with_name("budget.toml")
TIMINGS_DIR = ROOT / "test-timings"
TIERS = {"": "full", "not slow": "fast"}   # the -m expression of each complete tier


@dataclass(frozen=True)
class Outcome:
    """One complete run of a tier, against its budget."""

    tier: str
    seconds: float
    budget: float

    @property
    def over(self) -> bool:
        return self.seconds > self.budget

    def line(self) -> str:
        verdict = "OVER BUDGET" if self.over else "within budget"
        return (f"test budget: tier {self.tier} took {self.seconds:.0f} s of {self.budget:.0f} s "
                f"(tests/budget.toml): {verdict}")


def budgets(path: Path = BUDGET_FILE) -> dict[str, float]:
    """{tier: seconds} from tests/budget.toml."""
    with open(path, "rb") as fh:
        return {name: float(t["seconds"]) for name, t in tomllib.load(fh)["tiers"].items()}


def tier_of(markexpr: str, keyword: str, args: list[str], testpaths: list[str], shard: bool) -> str | None:
    """The tier a run is a complete run of, or None (a file, a -k selection, a shard)."""
    if keyword or shard or sorted(a.rstrip("/") for a in args) != sorted(testpaths):
        return None
    return TIERS.get(markexpr.strip())


def record(outcome: Outcome, tests: int, slowest: list[tuple[str, float]],
           folder: Path = TIMINGS_DIR, fast_tests_s: float | None = None) -> Path:
    """Write ``<folder>/<tier>.json``: when, how long, the budget, the count and the 25 slowest tests."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{outcome.tier}.json"
    path.write_text(json.dumps({
        "tier": outcome.tier, "seconds": round(outcome.seconds, 1), "budget": outcome.budget,
        "over": outcome.over, "tests": tests, "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "fast_tests_s": None if fast_tests_s is None else round(fast_tests_s, 1),
        "slowest": [[name, round(sec, 1)] for name, sec in slowest[:25]]}, indent=1) + "\n")
    return path


_state: dict = {"start": None, "durations": {}, "fast": 0.0}


def pytest_sessionstart(session: pytest.Session) -> None:
    _state["start"] = time.monotonic()
    _state["durations"] = {}
    _state["fast"] = 0.0


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    durations = _state["durations"]
    durations[report.nodeid] = durations.get(report.nodeid, 0.0) + report.duration
    if "slow" not in report.keywords:
        _state["fast"] += report.duration      # the fast tier's own tests, inside a full run


def _complete_tier(config: pytest.Config) -> str | None:
    testpaths = [str(p) for p in config.getini("testpaths")]
    args = [str(a) for a in config.args]
    if args == [str(config.rootpath)] or args == ["."]:
        args = testpaths
    shard = bool(getattr(config.option, "shard", None))
    return tier_of(config.getoption("markexpr") or "", config.getoption("keyword") or "", args, testpaths,
                   shard)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if hasattr(config, "workerinput") or _state["start"] is None:   # an xdist worker: the controller records
        return
    tier = _complete_tier(config)
    if tier is None or session.testscollected == 0 or exitstatus not in (0, 1) or config.option.collectonly \
            or config.option.maxfail:
        return
    limit = budgets().get(tier)
    if limit is None:
        return
    outcome = Outcome(tier, time.monotonic() - _state["start"], limit)
    slowest = sorted(_state["durations"].items(), key=lambda kv: -kv[1])
    record(outcome, session.testscollected, slowest, fast_tests_s=_state["fast"] if tier == "full" else None)
    config.stash[_FAST] = _state["fast"] if tier == "full" else -1.0
    config.stash[_OUTCOME] = outcome
    if outcome.over and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


_OUTCOME = pytest.StashKey[Outcome]()
_FAST = pytest.StashKey[float]()


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    outcome = config.stash.get(_OUTCOME, None)
    if outcome is not None:
        terminalreporter.write_line(outcome.line(), red=outcome.over, green=not outcome.over)
        fast = config.stash.get(_FAST, -1.0)
        if fast >= 0:
            terminalreporter.write_line(f"test budget: the fast tier's tests took {fast:.0f} s of this run "
                                        f"(tier fast's budget: {budgets().get('fast', 0):.0f} s)")
