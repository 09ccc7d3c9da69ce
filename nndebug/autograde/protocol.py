"""The driver-to-kernel protocol, in one place: what the grading driver tells the ``nbgrader`` process (and
so its preprocessors and kernel managers) in environment variables."""
from __future__ import annotations

LIMITS = "NN_DEBUG_LIMITS"                    # JSON of the Limits every notebook runs under
STAGE_DATA = "NN_DEBUG_STAGE_DATA"            # host path of the grading subset
STAGE_DATA_BY_NOTEBOOK = "NN_DEBUG_STAGE_DATA_BY_NOTEBOOK"  # JSON {notebook: host path}: a task's own data
STAGE_MODEL = "NN_DEBUG_STAGE_MODEL"          # host path of the bug-seeded model
SUBMISSION = "NN_DEBUG_SUBMISSION"            # host path of the student's checked, staged submission
EVIDENCE_ROOT = "NN_DEBUG_EVIDENCE_ROOT"      # this student's evidence folders, one per notebook
VERDICTS_ROOT = "NN_DEBUG_VERDICTS_ROOT"      # where this student's explanation verdicts are kept
NO_SANDBOX = "NN_DEBUG_NO_SANDBOX"            # "1": kernels run unsandboxed (the instructor's opt-out)
TIMINGS = "NN_DEBUG_TIMINGS"                  # set by `make bench`: where each notebook's timings go
