"""The due date (kit.toml [collect] ``due``): parsed with its offset or zone, shown in the course's time zone.

nbgrader's ``parse_utc`` reads ``+0300`` as 300 seconds and ``01.12.2026`` as 12 January; here a date is one
of a few unambiguous forms, or it is rejected with the forms that are accepted. Times are kept as nbgrader
keeps them: naive UTC.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ACCEPTED = ('"2026-12-01 23:59" (in kit.toml [collect] timezone)', '"2026-12-01 23:59:00 +0300"',
            '"2026-12-01T23:59:00+03:00"', '"2026-12-01 23:59 Europe/Moscow"', '"2026-12-01 20:59Z"')
FORM = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})[ T](?P<time>\d{1,2}:\d{2}(?::\d{2})?)"
                  r"\s*(?P<zone>Z|UTC|[+-]\d{2}:?\d{2}|[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)+)?$")


class DueError(ValueError):
    """A due date the kit cannot read without guessing; the message lists the accepted forms."""


def zone_of(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; DueError naming it otherwise."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DueError(f"kit.toml [collect] timezone = {name!r} is not a time zone; write an IANA name such "
                       "as \"UTC\" or \"Europe/Moscow\".") from None


def parse_due(text: str, course_zone: str = "UTC") -> datetime | None:
    """``text`` as naive UTC; None when empty. A time without offset is in ``course_zone``."""
    text = text.strip()
    if not text:
        return None
    found = FORM.match(text)
    if not found:
        raise DueError(f"kit.toml [collect] due = {text!r} is not a date the kit reads without guessing; "
                       f"write it as one of {', '.join(ACCEPTED)}, or leave it empty.")
    clock = found["time"] if found["time"].count(":") == 2 else f"{found['time']}:00"
    try:
        moment = datetime.strptime(f"{found['date']} {clock}", "%Y-%m-%d %H:%M:%S")
    except ValueError as err:
        raise DueError(f"kit.toml [collect] due = {text!r}: {err}; write it as one of "
                       f"{', '.join(ACCEPTED)}.") from None
    zone = found["zone"]
    if zone in (None, ""):
        tz = zone_of(course_zone)
    elif zone in ("Z", "UTC"):
        tz = UTC
    elif zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        if offset > timedelta(hours=14) or int(digits[2:]) >= 60:
            raise DueError(f"kit.toml [collect] due = {text!r}: {zone} is no UTC offset (at most +14:00).")
        tz = timezone(offset if zone[0] == "+" else -offset)
    else:
        tz = zone_of(zone)
    return moment.replace(tzinfo=tz).astimezone(UTC).replace(tzinfo=None)


def shown(moment: datetime, course_zone: str = "UTC") -> str:
    """A naive-UTC moment as the course reads it: ``2026-12-01 23:59 MSK (UTC+03:00)``."""
    local = moment.replace(tzinfo=UTC).astimezone(zone_of(course_zone))
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} (UTC{offset[:3]}:{offset[3:]})"


def how_late(moment: datetime, due: datetime) -> str:
    """``1 d 2 h 5 min`` past ``due``."""
    minutes = int((moment - due).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{mins} min"]
    return " ".join(p for p in parts if p)
