"""``make return``: grades and feedback back to the LMS, under ``outbound/`` (personal data, git-ignored)."""
