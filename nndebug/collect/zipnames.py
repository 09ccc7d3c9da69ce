"""The names of a zip's files as their writer meant them, when the zip does not say its encoding.

A zip entry whose UTF-8 flag (general purpose bit 11) is unset has a name in whatever code page its writer
used; Python's :mod:`zipfile` reads it as cp437. Windows tools in a Russian locale write cp866 (OEM), macOS
and some Linux tools write UTF-8 without the flag. Such a name is read back as, in this order: cp866 when
every non-ASCII character it gives is a Cyrillic letter (a Cyrillic or accented Latin UTF-8 name never is:
its lead bytes are cp866's box drawing), UTF-8, cp437 when every character it gives is a letter, digit,
space or punctuation. A name none of them reads is *unreadable*: collect reports it and places nothing from
it, so that no garbled name reaches ``submitted/`` or ``outbound/``.
"""
from __future__ import annotations

import unicodedata
import zipfile

UTF8_FLAG = 0x800


def _cyrillic(char: str) -> bool:
    return "\u0400" <= char <= "\u04ff" and unicodedata.category(char).startswith("L")


def _plain(char: str) -> bool:
    return unicodedata.category(char)[0] in "LNPZ" and unicodedata.category(char) not in ("Zl", "Zp")


def decode(raw: bytes) -> str | None:
    """``raw`` (a name's bytes, written without the UTF-8 flag) as text, or None when nothing reads it."""
    text = raw.decode("cp866")
    if all(c.isascii() or _cyrillic(c) for c in text):
        return text
    try:
        text = raw.decode("utf-8")
        if all(c.isascii() or _plain(c) for c in text):
            return text
    except UnicodeDecodeError:
        pass
    text = raw.decode("cp437")
    if all(c.isascii() or _plain(c) for c in text):
        return text
    return None


def entry_name(info: zipfile.ZipInfo) -> str | None:
    """The name of ``info`` as written; None when its bytes (without the UTF-8 flag) read as no text."""
    if info.flag_bits & UTF8_FLAG or info.filename.isascii():
        return info.filename
    try:
        raw = info.filename.encode("cp437")     # what zipfile decoded: the name's own bytes back
    except UnicodeEncodeError:                  # read with another metadata_encoding: keep it
        return info.filename
    return decode(raw)


def shown(info: zipfile.ZipInfo) -> str:
    """An unreadable name for a report: its ASCII parts, every other byte as ``\\xNN``."""
    raw = info.filename.encode("cp437", errors="replace")
    return raw.decode("ascii", errors="backslashreplace")
