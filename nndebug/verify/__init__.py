"""Verdicts on the hidden tests, computed in the grading driver where no student code ever ran.

The kernel only leaves evidence (:mod:`nndebug.kernel.record`): a log of the graded run's batches, the
optimizer's settings and the trained weights. Here that evidence is read as untrusted input
(:mod:`~nndebug.verify.evidence`), the weights are loaded into the kit's own model and measured on the
grading data (:mod:`~nndebug.verify.measure`), and each task's rule (:mod:`~nndebug.verify.fixes`) turns
the measurements into a :class:`~nndebug.verify.verdict.Verdict`.
"""
