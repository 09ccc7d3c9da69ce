"""The one error type of the data builds: its message names the file or setting and the fix."""
from __future__ import annotations


class DataError(RuntimeError):
    """A missing, corrupt or inconsistent input or output of a build."""
