"""The shared exchange key and the household pseudonym made with it.

The two parties hold one secret outside the repository (a key file or an environment
variable) under a key id, so keys can be rotated: every file names the key id it was made
under, and a receiver refuses a file made under another. The secret is never printed: the
key's repr shows only its id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from orchestration import paths

KEY_FILE_VARIABLE = "FAMILIES_EXCHANGE_KEY_FILE"
KEY_VARIABLE = "FAMILIES_EXCHANGE_KEY"  # "<key id>:<secret as hex>"
MIN_SECRET_BYTES = 32
KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
UPRN_PATTERN = re.compile(r"^[0-9]{1,12}$")
# Domain separation: a pseudonym of a UPRN can never equal a MAC or a key check value.
PSEUDONYM_CONTEXT = b"tf-exchange/uprn/"
KEY_CHECK_CONTEXT = b"tf-exchange/key-check"


class ExchangeKeyError(ValueError):
    """No usable exchange key (the message says where one was looked for and what to do)."""


@dataclass(frozen=True)
class ExchangeKey:
    key_id: str
    secret: bytes = field(repr=False)

    def mac(self, message: bytes) -> str:
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def check_value(self) -> str:
        """A value both parties can compare to know they hold the same secret, revealing
        nothing about it (a MAC of a fixed message)."""
        return self.mac(KEY_CHECK_CONTEXT)[:16]

    def pseudonym(self, uprn: str) -> str:
        """The household pseudonym: HMAC-SHA-256 of the normalised UPRN under this key."""
        return self.mac(PSEUDONYM_CONTEXT + normalise_uprn(uprn).encode("ascii"))


def normalise_uprn(uprn: object) -> str:
    """A UPRN as digits without leading zeros, so '000123', ' 123' and 123 pseudonymise alike."""
    text = str(uprn).strip()
    if text.endswith(".0"):  # a UPRN read as a float by a spreadsheet
        text = text[:-2]
    if not UPRN_PATTERN.match(text):
        raise ValueError(f"not a UPRN (1-12 digits expected): {len(text)} characters")
    return text.lstrip("0") or "0"


def _parse_key(key_id: str, secret_hex: str, where: str) -> ExchangeKey:
    if not KEY_ID_PATTERN.match(key_id or ""):
        raise ExchangeKeyError(f"{where}: key id must be 1-64 letters, digits, '.', '_' or '-'")
    try:
        secret = bytes.fromhex(secret_hex.strip())
    except ValueError:
        raise ExchangeKeyError(f"{where}: the secret is not hexadecimal") from None
    if len(secret) < MIN_SECRET_BYTES:
        raise ExchangeKeyError(
            f"{where}: the secret has {len(secret)} bytes; at least {MIN_SECRET_BYTES} are needed"
        )
    return ExchangeKey(key_id=key_id, secret=secret)


def read_key_file(path: Path) -> ExchangeKey:
    """A key file: JSON with `key_id` and `secret` (hex). Refused inside the repository, where
    it could be committed."""
    path = Path(path).resolve()
    if path.is_relative_to(paths.REPO_ROOT):
        raise ExchangeKeyError(
            f"{path}: the exchange key must be held outside the repository "
            f"({paths.REPO_ROOT}); move it and point {KEY_FILE_VARIABLE} at it"
        )
    if not path.is_file():
        raise ExchangeKeyError(f"{path}: no such key file ({KEY_FILE_VARIABLE})")
    try:
        data = json.loads(path.read_text())
        return _parse_key(str(data["key_id"]), str(data["secret"]), str(path))
    except (json.JSONDecodeError, KeyError, TypeError):
        raise ExchangeKeyError(
            f"{path}: a key file is JSON with fields key_id and secret (hex)"
        ) from None


def load_key(key_file: Path | None = None) -> ExchangeKey:
    """The exchange key: `key_file`, else $FAMILIES_EXCHANGE_KEY_FILE, else
    $FAMILIES_EXCHANGE_KEY ("<key id>:<hex secret>")."""
    if key_file is not None:
        return read_key_file(key_file)
    if os.environ.get(KEY_FILE_VARIABLE):
        return read_key_file(Path(os.environ[KEY_FILE_VARIABLE]))
    if os.environ.get(KEY_VARIABLE):
        key_id, _, secret_hex = os.environ[KEY_VARIABLE].partition(":")
        return _parse_key(key_id, secret_hex, f"${KEY_VARIABLE}")
    raise ExchangeKeyError(
        f"no exchange key: set {KEY_FILE_VARIABLE} to a key file held outside the repository "
        f"(make one with `families exchange new-key`), or {KEY_VARIABLE}"
    )


def write_new_key(path: Path, key_id: str) -> ExchangeKey:
    """Make a new random key and write it (owner-only permissions) for both parties to hold."""
    key = _parse_key(key_id, secrets.token_hex(MIN_SECRET_BYTES), str(path))
    path = Path(path).resolve()
    if path.is_relative_to(paths.REPO_ROOT):
        raise ExchangeKeyError(f"{path}: write the key outside the repository")
    if path.exists():
        raise ExchangeKeyError(f"{path}: exists already; a key is never overwritten")
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump({"key_id": key.key_id, "secret": key.secret.hex()}, handle)
    return key
