"""Per-notebook limits of the autograder, from ``kit.toml`` ``[grading]``."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields, replace

from nndebug import config

ENV_VAR = "NN_DEBUG_LIMITS"  # JSON of Limits, passed from the driver to the nbgrader process


@dataclass(frozen=True)
class Limits:
    """What one notebook may use while it is graded."""

    cell_timeout_s: int = 300
    notebook_timeout_s: int = 900
    memory_mb: int = 6144
    max_processes: int = 256
    max_output_kb: int = 256

    @classmethod
    def from_settings(cls) -> Limits:
        """The limits in ``kit.toml`` [grading]; unknown keys there are ignored."""
        section = config.settings().get("grading", {})
        names = {f.name for f in fields(cls)}
        return cls(**{k: int(v) for k, v in section.items() if k in names})

    @classmethod
    def from_env(cls) -> Limits:
        """The limits the driver passed in ``NN_DEBUG_LIMITS``, else those of ``kit.toml``."""
        raw = os.environ.get(ENV_VAR)
        if not raw:
            return cls.from_settings()
        return replace(cls.from_settings(), **json.loads(raw))

    def to_env(self) -> str:
        """JSON for ``NN_DEBUG_LIMITS``."""
        return json.dumps(asdict(self))
