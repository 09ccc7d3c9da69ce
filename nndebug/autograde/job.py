"""The grading job: everything one ``nbgrader autograde`` run for one student needs, in one frozen object.

The driver (:mod:`nndebug.autograde.grade`) makes one per student and hands it to the nbgrader process in
one environment variable (:meth:`GradingJob.to_env`); there the preprocessors and the kernel manager read it
back (:meth:`GradingJob.from_env`), the only place the environment is read for grading. A preprocessor takes
the student from nbgrader's resources and checks it is the job's (:func:`job_for`).
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nndebug.autograde.limits import Limits
from nndebug.autograde.stage import Inputs

ENV = "NN_DEBUG_JOB"  # the job as JSON, set by the driver for the nbgrader process


class JobMismatch(RuntimeError):
    """nbgrader runs a student the grading job is not for: nothing of the job may be used for them."""


@dataclass(frozen=True)
class GradingJob:
    """One student's grading run: what is graded, on what, under which limits, and where evidence goes."""

    student: str
    assignment: str
    submission: Path                 # the student's checked, staged notebooks (what they handed in)
    evidence: Path                   # the kernels' evidence, one folder per notebook
    verdicts: Path                   # the explanation verdicts kept for review.md, one folder per notebook
    release: Path                    # release/<assignment>: the notebooks as released (stubs, given cells)
    inputs: Inputs = field(default_factory=Inputs)
    limits: Limits = field(default_factory=Limits.from_settings)
    sandbox: bool = True             # False: kernels run unsandboxed (the instructor's opt-out)
    timings: Path | None = None      # `make bench`: each notebook's timings appended here (JSON lines)
    variant: str | None = None       # the student's variant of the assignment, when there are variants

    def evidence_for(self, notebook: str) -> Path:
        """Where the kernel that runs ``notebook`` writes its evidence."""
        return self.evidence / notebook

    def verdicts_for(self, notebook: str) -> Path:
        """Where ``notebook``'s explanation verdicts are kept."""
        return self.verdicts / notebook

    def releases(self) -> list[Path]:
        """The released notebooks' folders, every language (``release/<assignment>*``)."""
        return sorted(self.release.parent.glob(f"{self.release.name}*"))

    def to_env(self) -> dict[str, str]:
        """The job as the one environment variable :meth:`from_env` reads back."""
        data = asdict(self)
        data["inputs"] = {"data": str(self.inputs.data.resolve()), "model": str(self.inputs.model.resolve()),
                          "by_notebook": {nb: str(p.resolve()) for nb, p in self.inputs.by_notebook.items()}}
        for name in ("submission", "evidence", "verdicts", "release", "timings"):
            value = getattr(self, name)
            data[name] = str(value.resolve()) if value is not None else None
        return {ENV: json.dumps(data, sort_keys=True)}

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> GradingJob | None:
        """The job the driver set; None outside a driver's run."""
        raw = (os.environ if environ is None else environ).get(ENV)
        if not raw:
            return None
        data = json.loads(raw)
        inputs, limits, timings = data.pop("inputs"), data.pop("limits"), data.pop("timings")
        paths = {name: Path(data.pop(name)) for name in ("submission", "evidence", "verdicts", "release")}
        return cls(**data, **paths, limits=Limits(**limits), timings=Path(timings) if timings else None,
                   inputs=Inputs(Path(inputs["data"]), Path(inputs["model"]),
                                 {nb: Path(p) for nb, p in inputs["by_notebook"].items()}))

def job_for(resources: Any) -> GradingJob | None:
    """The driver's job for the student nbgrader's ``resources`` name; None outside a driver's run.

    Raises :class:`JobMismatch` when nbgrader runs another student than the job's."""
    job = GradingJob.from_env()
    student = ((resources or {}).get("nbgrader") or {}).get("student")
    if job is not None and student is not None and student != job.student:
        raise JobMismatch(f"nbgrader runs student {student!r}, the grading job is for {job.student!r}")
    return job
