"""Publishing to students: the student repository's tree and release assets (``make publish``), the record
of what was published (``published.json``) and the check that grading uses the published model."""
