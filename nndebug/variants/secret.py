"""The course secret that variant assignment is keyed with: outside git, created once, never in a student
tree. Losing it changes which variant every student gets, so it is created with a message to back it up."""
from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from nndebug import config

ENV = "NN_DEBUG_VARIANT_SECRET_FILE"  # another place for the secret file
BYTES = 32


class SecretError(RuntimeError):
    """The secret file is unreadable or malformed; the message names it and the fix."""


def path() -> Path:
    """The secret file: $NN_DEBUG_VARIANT_SECRET_FILE, else kit.toml [variants] secret_file."""
    chosen = os.environ.get(ENV) or config.kit().variants.secret_file
    candidate = Path(chosen)
    return candidate if candidate.is_absolute() else config.ROOT / candidate


def load(create: bool = False) -> bytes:
    """The secret's bytes; with ``create``, a new random secret is written first when there is none."""
    file = path()
    if not file.exists():
        if not create:
            raise SecretError(f"{file}: no course secret; `make publish` creates it once (variants on), or "
                              f"restore your backup of it there (or set {ENV})")
        file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(BYTES) + "\n")
        print(f"variants: created the course secret {file}. BACK IT UP (outside git, e.g. in the course's "
              "password manager): every student's variant is derived from it, and without it grading cannot "
              "tell which bugs a student got.", file=sys.stderr)
    text = file.read_text(encoding="utf-8").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise SecretError(f"{file}: not a hex secret; restore it from your backup") from None
    if len(key) < 16:
        raise SecretError(f"{file}: the secret is {len(key)} bytes, fewer than 16; restore your backup")
    return key
