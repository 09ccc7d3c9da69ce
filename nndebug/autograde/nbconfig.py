"""The nbgrader configuration of the kit's autograder, applied from the course's nbgrader_config.py."""
from __future__ import annotations

from typing import Any

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    GetGrades,
    IgnorePattern,
    LimitOutput,
    SaveAutoGrades,
)

from nndebug import config
from nndebug.autograde.job import GradingJob
from nndebug.autograde.late import KitLatePenalty
from nndebug.autograde.limits import Limits
from nndebug.autograde.preprocessors import (
    FeedbackNotes,
    SandboxedExecute,
    StripFeedback,
    VariantCells,
    Verify,
)


def configure(c: Any) -> None:
    """Autograde in sandboxed kernels under the kit's limits, scores from the verifier; feedback without
    hidden tests."""
    job = GradingJob.from_env()
    limits = job.limits if job is not None else Limits.from_settings()
    grading = config.kit().grading
    c.Autograde.autograde_preprocessors = [
        VariantCells, SandboxedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, Verify,
        SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
    ]
    c.SandboxedExecute.graded_run_cell = c.Verify.graded_run_cell = grading.graded_run_cell
    c.SandboxedExecute.skip_cells = list(grading.skip_cells)
    c.Execute.timeout = limits.cell_timeout_s
    c.Execute.extra_arguments = ["--HistoryManager.enabled=False"]
    c.LimitOutput.max_lines = 1000          # per output; SandboxedExecute caps the bytes a cell keeps
    c.LimitOutput.max_traceback = 100
    # A test or answer cell the student deleted is put back (and then run) rather than lost.
    c.OverwriteCells.add_missing_cells = True
    # kit.toml [late] through nbgrader's late-penalty hook: AssignLatePenalties asks this plugin.
    late = config.kit().late
    c.AssignLatePenalties.plugin_class = KitLatePenalty
    c.KitLatePenalty.penalty = late.penalty
    c.KitLatePenalty.per = late.per
    c.KitLatePenalty.max_units = late.max_units
    c.KitLatePenalty.grace_minutes = late.grace_minutes
    c.GenerateFeedback.preprocessors = [StripFeedback, GetGrades, FeedbackNotes, CSSHTMLHeaderPreprocessor]
