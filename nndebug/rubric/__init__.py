"""Written explanations scored against ``notebooks/rubric.toml`` by lemma, by what they claim (not advice,
not things tried and rejected, not guesses or denials: ``claims.py``), with stuffing, confidence and the
answers a TA should read (``autograded/review.md``)."""
from nndebug.rubric.review import render_review
from nndebug.rubric.spec import RubricError
from nndebug.rubric.verdict import ExplanationVerdict, judge, points

__all__ = ["RubricError", "ExplanationVerdict", "judge", "points", "render_review"]
