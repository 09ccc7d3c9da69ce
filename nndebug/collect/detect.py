"""What kind of input ``make collect`` was given, told by its file names, and who sent each file.

``moodle``: most files follow Moodle's download naming; ``canvas``: Canvas's; ``colab``: anything else (a
folder of notebooks downloaded from Colab, one folder per student or flat). A file outside the detected
naming is still tried by its folders' and its own name, as a Colab download is.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from nndebug.collect.inputs import Item
from nndebug.collect.lms_names import CanvasCollector, MoodleCollector
from nndebug.collect.roster import Roster, Student

MOODLE, CANVAS, COLAB = "moodle", "canvas", "colab"
COLLECTORS = {MOODLE: MoodleCollector(), CANVAS: CanvasCollector()}


def detect_kind(items: list[Item]) -> str:
    """``moodle``, ``canvas`` or ``colab``: the LMS naming most of the files follow."""
    real = [i for i in items if not i.is_junk()]
    counts = {kind: sum(1 for i in real if collector.match(i.path)) for kind, collector in COLLECTORS.items()}
    kind, count = max(counts.items(), key=lambda kv: kv[1])
    return kind if real and count * 2 >= len(real) else COLAB


@dataclass
class Sender:
    """Who handed a file in, as far as its name tells."""

    student: Student | None
    why: str = ""                              # when student is None: what did not match
    lms: dict[str, str] = field(default_factory=dict)   # the LMS's own id and name, to send grades back
    late: bool = False                         # the LMS marked it late (Canvas)


def sender(item: Item, kind: str, roster: Roster) -> Sender:
    """The roster student who handed ``item`` in, from its LMS name, folders or file name."""
    info = COLLECTORS[kind].match(item.path) if kind in COLLECTORS else None
    if info and kind == MOODLE:
        student, why = roster.find(lms_id=info["student_id"], names=(info["full_name"],))
        lms = {"lms": MOODLE, "participant_id": info["student_id"], "full_name": info["full_name"]}
        return Sender(student, why, lms)
    if info and kind == CANVAS:
        student, why = roster.find(lms_id=info["student_id"], names=(info["login"],))
        lms = {"lms": CANVAS, "user_id": info["student_id"], "login": info["login"]}
        return Sender(student, why, lms, late=bool(info["late"]))
    for folder in item.folders:
        student, why = roster.find(names=(folder,))
        if student:
            return Sender(student)
    found = roster.in_file_name(item.name)
    if len(found) == 1:
        return Sender(found[0])
    places = " or ".join(repr(f) for f in [*item.folders, item.name])
    if len(found) > 1:
        ids = ", ".join(s.student_id for s in found)
        return Sender(None, f"{item.name!r} names several students ({ids}); put it in a folder per student")
    return Sender(None, f"no roster entry matches {places}")
