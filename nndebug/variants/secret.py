"""The course secret that variant assignment is keyed with: outside git, created once, never in a student
tree. Losing it changes which variant every student gets, so it is created with a message to back it up."""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sys
from pathlib import Path

from nndebug import config

ENV = "NN_DEBUG_VARIANT_SECRET_FILE"  # another place for the secret file
NO_NEW = "NN_DEBUG_NO_NEW_SECRET"      # set (CI's workflows): never create a secret, it would be thrown away
SECRET_VAR, ROSTER_VAR = "COURSE_SECRET", "ROSTER_CSV"   # the repository secrets CI reads (docs/ci.md)
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
        if os.environ.get(NO_NEW):
            raise SecretError(f"{file}: no course secret, and {NO_NEW} forbids creating one (CI: a new "
                              "secret would be thrown away with the runner): set the repository secret "
                              f"{SECRET_VAR} (docs/ci.md)")
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


def _check(text: str, where: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        raise SecretError(f"{where}: not a hex secret; set it to the contents of course_secret.key") from None
    if len(key) < 16:
        raise SecretError(f"{where}: {len(key)} bytes, fewer than 16; set it to the contents of "
                          "course_secret.key")
    return key


def from_environment(enabled: bool, need_roster: bool, environ: dict[str, str] | None = None,
                     roster_file: Path | None = None) -> list[str]:
    """Write the course secret and ``roster.csv`` from $COURSE_SECRET and $ROSTER_CSV (CI's repository
    secrets); return what was done. With variants on (``enabled``) a missing secret (and, ``need_roster``,
    a missing roster) raises SecretError naming the repository secret: never a throwaway secret. An
    existing file with other contents is kept and refused."""
    from nndebug.collect.roster import Roster

    env = os.environ if environ is None else environ
    roster_file = roster_file or config.ROOT / "roster.csv"
    done = []
    for var, file, mode in ((SECRET_VAR, path(), 0o600), (ROSTER_VAR, roster_file, 0o600)):
        text = env.get(var, "")
        if not text.strip():
            continue
        if var == SECRET_VAR:
            _check(text, f"${var}")
            text = text.strip() + "\n"
        if file.exists():
            if file.read_text(encoding="utf-8").strip() != text.strip():
                raise SecretError(f"{file} exists with other contents than ${var}: kept; remove it or unset "
                                  f"{var}")
            done.append(f"{file.name}: already as ${var}")
            continue
        file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        done.append(f"{file.name}: written from ${var}")
    if not enabled:
        return [*done, "variants off (kit.toml [variants] enabled = false): no course secret or roster "
                "needed"]
    if not path().exists():
        raise SecretError("variants are on (kit.toml [variants] enabled) and there is no course secret: set "
                          f"the repository secret {SECRET_VAR} to the contents of your course_secret.key "
                          f"(`gh secret set {SECRET_VAR} < course_secret.key`; docs/ci.md). A new secret "
                          "here would give every student other variants than the ones published.")
    load()
    if need_roster:
        if not roster_file.exists():
            raise SecretError(f"variants are on and there is no {roster_file.name}: set the repository "
                              f"secret {ROSTER_VAR} (`gh secret set {ROSTER_VAR} < roster.csv`; docs/ci.md)")
        Roster.load(roster_file)
    return done


def owner_token(key: bytes, student: str) -> str:
    """An opaque token for ``student`` (HMAC of the course secret): their tree's folder and notebooks' tag."""
    return hmac.new(key, f"nn-debug owner|{student}".encode(), hashlib.sha256).hexdigest()[:20]
