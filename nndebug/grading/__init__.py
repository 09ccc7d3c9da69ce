"""Hidden-test checks imported by the notebooks' hidden test cells (the autograder has the kit installed).

Every check is deterministic, prints nothing to stderr (a test cell with stderr output scores 0) and
raises AssertionError with a message for the student when the fix or answer is wrong.
"""
