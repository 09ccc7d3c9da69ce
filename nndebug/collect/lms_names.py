"""How Moodle and Canvas name the files of a bulk download, as nbgrader ``zip_collect`` collector plugins.

The classes are :class:`nbgrader.plugins.zipcollect.FileNameCollectorPlugin` subclasses, so the same
naming rules also work with nbgrader's own app
(``nbgrader zip_collect nn_debug --collector=nndebug.collect.lms_names.CanvasCollector``); ``make collect``
uses their :meth:`match` (any file, not only notebooks) and recognises the task by grade ids instead.

- Moodle "Download all submissions": ``<Full Name>_<participant id>_assignsubmission_file_<file>`` or, with
  a folder per participant, ``<Full Name>_<participant id>_assignsubmission_file[_]/<file>``.
- Canvas "Download submissions": ``<login>_<user id>_<submission id>_<file>``, ``<login>_LATE_<user id>_...``
  for late work (any case), ``-1``, ``-2`` ... added to repeated file names.
"""
from __future__ import annotations

import re

from nbgrader.plugins.zipcollect import FileNameCollectorPlugin
from traitlets import Unicode

MOODLE_REGEXP = (r"^(?:.*/)?(?P<full_name>[^/_]+)_(?P<student_id>\d+)_assign(?:submission|feedback)_"
                 r"(?P<plugin>[a-z]+)(?:_?/(?:.*/)?|_)(?P<file_id>[^/]+)$")
CANVAS_REGEXP = (r"^(?:.*/)?(?P<login>[^/_]+)_(?:(?P<late>late)_)?(?P<student_id>\d+)_"
                 r"(?P<submission_id>\d+)_(?P<file_id>[^/]+)$")


class LmsNameCollector(FileNameCollectorPlugin):
    """A collector whose regular expression is set; :meth:`match` applies it to any file."""

    flags = 0

    def match(self, path: str) -> dict[str, str] | None:
        """The named groups of ``path`` (a '/'-separated path), or None when it is not in this naming."""
        found = re.match(self.named_regexp, path.replace("\\", "/"), self.flags)
        if not found:
            return None
        info = {k: v or "" for k, v in found.groupdict().items()}
        return info


class MoodleCollector(LmsNameCollector):
    """Moodle's assignment download; ``student_id`` is the participant id, ``full_name`` the name shown."""

    named_regexp = Unicode(MOODLE_REGEXP).tag(config=True)


class CanvasCollector(LmsNameCollector):
    """Canvas's submissions download; ``student_id`` is the Canvas user id, ``late`` is set for late work."""

    named_regexp = Unicode(CANVAS_REGEXP).tag(config=True)
    flags = re.IGNORECASE

    def collect(self, submitted_file: str) -> dict | None:
        """nbgrader's ``collect``, matching ``LATE`` in any case."""
        if not submitted_file.lower().endswith(tuple(self.valid_ext)):
            return None
        return self.match(submitted_file)
