"""nbgrader preprocessors of the kit's autograder, one per module (configured in nbgrader_config.py)."""
from nndebug.autograde.preprocessors.feedback_notes import FeedbackNotes
from nndebug.autograde.preprocessors.sandboxed_execute import SandboxedExecute
from nndebug.autograde.preprocessors.strip_feedback import StripFeedback
from nndebug.autograde.preprocessors.variant_cells import VariantCells
from nndebug.autograde.preprocessors.verify import Verify

__all__ = ["FeedbackNotes", "SandboxedExecute", "StripFeedback", "VariantCells", "Verify"]
