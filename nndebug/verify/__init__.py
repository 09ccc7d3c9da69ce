"""Verdicts on the hidden tests, computed in the grading driver where no student code ever ran.

The kernel only leaves the student's answer as data (:mod:`nndebug.kernel.answer`): the training loader's
order, the optimizer's settings and the start weights, taken at the training's first step. Here it is read as
untrusted input (:mod:`~nndebug.verify.answer`), replayed by the kit's own training on the grading data
(:mod:`~nndebug.verify.order`, :mod:`~nndebug.verify.replay`), measured on held-back digits no kernel can read
(:mod:`~nndebug.verify.measure`), and each task's rule (:mod:`~nndebug.verify.fixes`) turns that into a
:class:`~nndebug.verify.verdict.Verdict`.
"""
