"""``kit.toml`` as typed, frozen settings, validated once at load.

Each section is a frozen dataclass; each field carries a description (and a default when the key may be
left out), as otter-grader's ``fica`` configs do. A TOML syntax error, a missing key, a value of the wrong
type or an unknown key is one :class:`SettingsError` naming the file, the line where possible and the key.
"""
from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints

from nndebug import deadline


class SettingsError(ValueError):
    """kit.toml is not what the kit expects; the message names the file, line and key, and the fix."""


def key(help: str, minimum: float | None = None, **kwargs: Any) -> Any:
    """A setting: its description, its default when it may be left out, and the least value it may take."""
    return field(metadata={"help": help, "minimum": minimum}, **kwargs)


@dataclass(frozen=True, kw_only=True)
class CourseSettings:
    assignment: str = key("the nbgrader assignment name")
    student_repo: str = key("the public student repository (owner/name) the Colab badges open")
    student_branch: str = key("its branch", default="main")
    release_tag: str = key("the GitHub release whose assets the setup cell downloads")
    hand_in_ru: str = key("where students hand the notebook in (Russian)", default="")
    hand_in_en: str = key("the same, in English", default="")


@dataclass(frozen=True, kw_only=True)
class Downloads:
    data_url: str = key("mnist_data.zip's URL (empty: the student repository's release asset)", default="")
    model_url: str = key("pretrained_model.pt's URL (empty: the release asset)", default="")
    data_drive_id: str = key("a Google Drive id for mnist_data.zip instead of a URL", default="")
    model_drive_id: str = key("a Google Drive id for pretrained_model.pt", default="")


@dataclass(frozen=True, kw_only=True)
class Data:
    seed: int = key("the data build's random seed")
    holdout_per_class: int = key("val digits held out per class when there are no t10k files")
    private_per_class: int = key("check digits a class set aside into data/private/, never published or "
                                 "staged: the pool the verifier's held-back digits come from", default=50,
                                 minimum=1)


@dataclass(frozen=True, kw_only=True)
class Subset:
    train_per_class: int = key("training digits a class in the grading subset")
    val_per_class: int = key("val digits a class in the grading subset")
    verify_per_class: int = key("held-back digits a class the verifier measures on, from the private "
                                "pool ([data] private_per_class; never published or staged)", default=50,
                                minimum=1)


@dataclass(frozen=True, kw_only=True)
class Model:
    seed: int = key("training seed of the pretrained model")
    epochs: int = key("its training epochs")
    lr: float = key("its learning rate")
    momentum: float = key("its SGD momentum")
    batch_size: int = key("its batch size")
    schedule: str = key('"cosine" or "constant" learning rate')
    min_val_acc_full: float = key("accuracy the build requires on the full MNIST")
    min_val_acc_embedded: float = key("accuracy the build requires on the embedded 5,000 digits")
    check_lr: float = key("the seed's optimizer lr for the build's bug checks")
    check_epochs: int = key("epochs of the bug checks")
    max_val_acc_buggy: float = key("accuracy the bug-seeded model must stay under")
    recover_within: float = key("how close a repaired model must come to the accuracy before zeroing")
    zeroed: tuple[str, ...] = key("the state_dict tensors the build zeroes")


@dataclass(frozen=True, kw_only=True)
class Task:
    notebook: str = key("the notebook's name, without .ipynb")
    epochs: int = key("epochs of the notebook's training runs")
    points_fix: float = key("points of the fix test", minimum=0)
    points_explanation: float = key("points of the explanation test", minimum=0)
    shuffle: bool = key("the shuffle= of the training DataLoader in the given Trainer")
    grading_train_per_class: int | None = key("training digits a class the autograder stages for this "
                                              "notebook (default: [subset])", default=None)
    grading_val_per_class: int | None = key("val digits a class it stages (default: [subset])", default=None)


@dataclass(frozen=True, kw_only=True)
class Grading:
    graded_run_cell: str = key("the given cell whose training run is recorded as evidence")
    skip_cells: tuple[str, ...] = key("given cells not run at grading", default=())
    cell_timeout_s: int = key("wall time a cell may run")
    notebook_timeout_s: int = key("wall time a notebook may run")
    memory_mb: int = key("memory a kernel may allocate (RLIMIT_DATA)")
    max_processes: int = key("processes a kernel may start (RLIMIT_NPROC)")
    max_output_kb: int = key("output kept per cell")
    max_file_mb: int = key("size of any one file a kernel writes (RLIMIT_FSIZE): a write past it fails "
                           "inside the kernel", default=1024, minimum=1)
    replay_wrong_fixes: bool = key("replay a fix whose cause is still there, for its feedback plot only (the "
                                   "verdict is 0 without it)", default=False)


@dataclass(frozen=True, kw_only=True)
class Notebooks:
    seed: int = key("the setup cell's seed for random, numpy and torch")


@dataclass(frozen=True, kw_only=True)
class Checks:
    task1_min_mixing: float = key("task 1: mean distinct labels per batch / min(batch, 10)")
    task1_min_accuracy: float = key("task 1: val accuracy the trained weights must reach")
    task1_share_fixed_order: float = key("task 1: share of the points for mixed batches in a fixed order")
    task2_max_weight_decay: float = key("task 2: the largest weight_decay that counts as the cause removed")
    task2_min_accuracy: float = key("task 2: val accuracy the trained weights must reach")
    task2_min_weight_norm_ratio: float = key("task 2: weight norm against a fresh model's")
    task3_min_accuracy: float = key("task 3: val accuracy after the fine-tune")
    task3_max_pretrained_distance: float = key("task 3: the start weights' distance to pretrained_model.pt "
                                               "over its distance from the init it was trained from",
                                               default=0.5)
    learned_share: float = key("share of the way from chance to the reference fix a network must go to "
                               "count as learned", default=0.5)
    min_training_digits: float = key("task 1: share of the given training digits the student's loader "
                                     "must deal", default=0.9)


@dataclass(frozen=True, kw_only=True)
class Fidelity:
    cpu_val_images: int = key("val images of `make fidelity` on CPU")


@dataclass(frozen=True, kw_only=True)
class Collect:
    due: str = key('the due date, e.g. "2026-12-01 23:59:00 +0300" (empty: none)', default="")
    timezone: str = key("the time zone of LMS times that carry none", default="UTC")


@dataclass(frozen=True, kw_only=True)
class Return:
    canvas_assignment: str = key("the Canvas gradebook column", default="NN debug")
    moodle_grade_item: str = key("the Moodle grade item", default="NN debug")
    scale_to: float = key("rescale grades to this maximum (0: nbgrader's points)", default=0, minimum=0)


@dataclass(frozen=True, kw_only=True)
class Late:
    penalty: float = key("share of a notebook's score taken off per day (or hour) late; 0: none",
                         default=0, minimum=0)
    per: str = key('"day" or "hour": the unit the penalty is counted in (a started unit counts)',
                   default="day")
    max_units: int = key("the penalty grows for at most this many units (0: no cap)", default=0, minimum=0)
    grace_minutes: float = key("lateness up to this is not late", default=0, minimum=0)
    counts: str = key('"latest": the newest graded submission counts; "best": the best graded one (its final '
                      'score, late penalty taken off)', default="latest")
    extensions: dict[str, float] = key("hours added to the due date, per student id", default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Feedback:
    before_due: str = key('what feedback shows until the due date: "measured" (what was measured and where '
                          'to look, no rubric point named) or "all"', default="measured")
    after_due: str = key('what it shows after the due date: "all" or "measured"', default="all")


@dataclass(frozen=True, kw_only=True)
class Similarity:
    threshold: float = key("a pair at or over this strength (0-1) is flagged for a person", default=0.55)
    archive: str = key("a folder of earlier years' submissions to compare with ('' none)", default="")
    common_share: float = key("a passage this share of the class writes is no evidence", default=0.5)


@dataclass(frozen=True, kw_only=True)
class Variants:
    enabled: bool = key("per-student variants of the tasks (false: every student gets the seed's bugs)",
                        default=False)
    secret_file: str = key("the course secret's file, outside git (repo-relative or absolute)",
                           default="course_secret.key")
    pins: tuple[str, ...] = key('pinned variants, "student task=variant ..." each', default=())
    rerolls: tuple[str, ...] = key("student ids drawn again (once per time listed)", default=())


SECTIONS: dict[str, type] = {
    "course": CourseSettings, "downloads": Downloads, "data": Data, "subset": Subset, "model": Model,
    "grading": Grading, "notebooks": Notebooks, "checks": Checks, "fidelity": Fidelity, "collect": Collect,
    "return": Return, "similarity": Similarity, "late": Late, "feedback": Feedback, "variants": Variants,
}
# left out: their defaults (no late penalty; feedback, similarity as above; variants off)
OPTIONAL_SECTIONS = ("late", "feedback", "similarity", "variants")
CHOICES = {("late", "per"): ("day", "hour"), ("late", "counts"): ("latest", "best"),
           ("feedback", "before_due"): ("measured", "all"), ("feedback", "after_due"): ("all", "measured")}


@dataclass(frozen=True, kw_only=True)
class Kit:
    """Every setting of kit.toml."""

    course: CourseSettings
    downloads: Downloads
    data: Data
    subset: Subset
    model: Model
    tasks: dict[int, Task]
    grading: Grading
    notebooks: Notebooks
    checks: Checks
    fidelity: Fidelity
    collect: Collect
    returns: Return
    similarity: Similarity = field(default_factory=Similarity)
    late: Late = field(default_factory=Late)
    feedback: Feedback = field(default_factory=Feedback)
    variants: Variants = field(default_factory=Variants)

    @property
    def task_numbers(self) -> tuple[int, ...]:
        return tuple(sorted(self.tasks))


class _Where:
    """Line numbers of sections and keys in the file's text, for messages."""

    def __init__(self, path: Path, text: str) -> None:
        self.path, self.lines = path, text.splitlines()

    def __call__(self, section: str, name: str | None = None) -> str:
        header = re.compile(rf"^\s*\[{re.escape(section)}\]\s*(#.*)?$")
        start = next((i for i, line in enumerate(self.lines) if header.match(line)), None)
        if start is None:
            return f"{self.path.name}"
        if name is None:
            return f"{self.path.name}:{start + 1}"
        pattern = re.compile(rf"^\s*{re.escape(name)}\s*=")
        for i in range(start + 1, len(self.lines)):
            if self.lines[i].lstrip().startswith("["):
                break
            if pattern.match(self.lines[i]):
                return f"{self.path.name}:{i + 1}"
        return f"{self.path.name}:{start + 1}"


def _check_type(value: Any, hint: Any) -> Any:
    """``value`` as ``hint`` wants it (an int is a float, a list a tuple); raise TypeError otherwise."""
    origin = get_origin(hint)
    if origin in (Union, UnionType):
        options = [h for h in get_args(hint) if h is not type(None)]
        return _check_type(value, options[0])
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(v, int | float) and not isinstance(v, bool)
                                                  for v in value.values()):
            raise TypeError("a table of numbers (student_id = hours)")
        return {str(k): float(v) for k, v in value.items()}
    if origin is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise TypeError("a list of strings")
        return tuple(value)
    if hint is bool:
        if not isinstance(value, bool):
            raise TypeError("true or false")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError("a whole number")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError("a number")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise TypeError("a string in quotes")
        return value
    raise TypeError(f"a {hint}")


def _section(cls: type, table: Any, name: str, where: _Where) -> Any:
    if not isinstance(table, dict):
        raise SettingsError(f"{where(name)}: [{name}] must be a table of settings")
    hints = get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(table) - set(fields))
    if unknown:
        raise SettingsError(f"{where(name, unknown[0])}: [{name}] has no setting {unknown[0]!r} (a typo?); "
                            f"its settings are {', '.join(fields)}")
    values = {}
    for fname, spec in fields.items():
        if fname not in table:
            if spec.default is dataclasses.MISSING:
                raise SettingsError(f"{where(name)}: [{name}] lacks {fname!r}: {spec.metadata['help']}")
            continue
        try:
            values[fname] = _check_type(table[fname], hints[fname])
        except TypeError as err:
            raise SettingsError(f"{where(name, fname)}: [{name}] {fname} = {table[fname]!r} must be {err} "
                                f"({spec.metadata['help']})") from None
        least = spec.metadata.get("minimum")
        if least is not None and values[fname] < least:
            raise SettingsError(f"{where(name, fname)}: [{name}] {fname} = {table[fname]!r} must be at least "
                                f"{least:g} ({spec.metadata['help']})")
        choices = CHOICES.get((name, fname))
        if choices and values[fname] not in choices:
            raise SettingsError(f"{where(name, fname)}: [{name}] {fname} = {table[fname]!r} must be one of "
                                f"{', '.join(repr(c) for c in choices)} ({spec.metadata['help']})")
    return cls(**values)


def parse(path: Path) -> Kit:
    """Read and validate ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise SettingsError(f"{path}: cannot read the kit's settings ({err.strerror})") from None
    return parse_text(text, path)


def parse_text(text: str, path: Path = Path("kit.toml")) -> Kit:
    """Validate kit.toml's ``text`` (``path`` names it in messages)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SettingsError(f"{path.name}: not valid TOML: {err}") from None
    where = _Where(path, text)
    unknown = sorted(set(data) - set(SECTIONS) - {"tasks"})
    if unknown:
        raise SettingsError(f"{path.name}: unknown section [{unknown[0]}]; the sections are "
                            f"{', '.join([*SECTIONS, 'tasks.N'])}")
    sections = {}
    for name, cls in SECTIONS.items():
        if name not in data and name in OPTIONAL_SECTIONS:
            sections[name] = cls()
            continue
        if name not in data:
            raise SettingsError(f"{path.name}: the section [{name}] is missing")
        sections["returns" if name == "return" else name] = _section(cls, data[name], name, where)
    tasks = data.get("tasks")
    if not isinstance(tasks, dict) or not tasks:
        raise SettingsError(f"{path.name}: no [tasks.N] sections: every task needs one")
    if not all(k.isdigit() for k in tasks):
        bad = next(k for k in tasks if not k.isdigit())
        raise SettingsError(f"{where(f'tasks.{bad}')}: [tasks.{bad}]: a task is numbered, as [tasks.1]")
    numbers = sorted(int(k) for k in tasks)
    if numbers != list(range(1, len(numbers) + 1)):
        raise SettingsError(f"{path.name}: the tasks are numbered {numbers}; they must run 1..N, none "
                            "missing")
    parsed = {n: _section(Task, tasks[str(n)], f"tasks.{n}", where) for n in numbers}
    try:
        deadline.parse_due(sections["collect"].due, sections["collect"].timezone)
    except deadline.DueError as err:
        raise SettingsError(f"{where('collect', 'due')}: {err}") from None
    return Kit(tasks=parsed, **sections)


def as_dict(kit: Kit) -> dict[str, Any]:
    """The settings as kit.toml's tables (validated values, tuples as lists), for a fingerprint."""
    def plain(obj: Any) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else dict(v) if isinstance(v, dict) else v
                for k, v in dataclasses.asdict(obj).items() if v is not None}
    out = {name: plain(getattr(kit, "returns" if name == "return" else name)) for name in SECTIONS}
    out["tasks"] = {str(n): plain(t) for n, t in kit.tasks.items()}
    return out
