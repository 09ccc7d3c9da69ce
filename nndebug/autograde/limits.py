"""Per-notebook limits of the autograder, from ``kit.toml`` ``[grading]``."""
from __future__ import annotations

from dataclasses import dataclass, field, fields

from nndebug import config


@dataclass(frozen=True)
class Limits:
    """What one notebook may use while it is graded."""

    cell_timeout_s: int
    notebook_timeout_s: int
    memory_mb: int
    max_processes: int
    max_output_kb: int
    max_file_mb: int = field(default_factory=lambda: config.kit().grading.max_file_mb)  # a file written

    @classmethod
    def from_settings(cls) -> Limits:
        """The limits in ``kit.toml`` [grading]."""
        grading = config.kit().grading
        return cls(**{f.name: getattr(grading, f.name) for f in fields(cls)})
