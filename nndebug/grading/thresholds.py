"""The hidden tests' thresholds, from kit.toml [checks]."""
from __future__ import annotations

from nndebug import config


def threshold(name: str) -> float:
    """One number from kit.toml [checks]."""
    checks = config.settings().get("checks", {})
    if name not in checks:
        raise KeyError(f"kit.toml: [checks] has no {name!r}")
    return float(checks[name])
