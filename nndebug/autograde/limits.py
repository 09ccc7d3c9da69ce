"""Per-notebook limits of the autograder, from ``kit.toml`` ``[grading]``."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields, replace

from nndebug import config
from nndebug.autograde import protocol

ENV_VAR = protocol.LIMITS


@dataclass(frozen=True)
class Limits:
    """What one notebook may use while it is graded."""

    cell_timeout_s: int
    notebook_timeout_s: int
    memory_mb: int
    max_processes: int
    max_output_kb: int

    @classmethod
    def from_settings(cls) -> Limits:
        """The limits in ``kit.toml`` [grading]."""
        grading = config.kit().grading
        return cls(**{f.name: getattr(grading, f.name) for f in fields(cls)})

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
