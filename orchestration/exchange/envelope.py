"""Exchange files: one JSON document per export, request or answer, sealed with the key.

A file holds a header (what it is, who made it, under which key, rule set and as-at date,
its counts) and a body (the rows). The body's SHA-256 and a MAC of header and body under the
shared key travel with it: a receiver refuses a file whose key id, format version or kind is
not what it expects, whose body does not hash to its checksum (damaged or edited), or whose
MAC does not verify (edited, or made with another secret).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestration.exchange.keys import ExchangeKey

# 2: household lists carry the pseudonyms of their members' recent addresses; answers carry
# each record's own names and identifiers and its confident UPRN, for person linkage.
FORMAT_VERSION = "tf-exchange/2"
KINDS = ("household_list", "request", "answer")


class ExchangeRefused(RuntimeError):
    """A file refused whole; `reason` is a short code for the register, the message says why."""

    def __init__(self, path: Path, reason: str, message: str) -> None:
        super().__init__(f"{path}: refused ({reason}): {message}")
        self.path = path
        self.reason = reason
        self.detail = message


@dataclass(frozen=True)
class Envelope:
    path: Path
    header: dict[str, Any]
    body: list[dict[str, Any]]
    file_sha256: str

    @property
    def exchange_id(self) -> str:
        return self.header["exchange_id"]


def canonical(value: Any) -> bytes:
    """The bytes a checksum and MAC are taken over: key order and spacing fixed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _seal(key: ExchangeKey, header: dict, body: list) -> str:
    return key.mac(canonical(header) + b"\n" + canonical(body))


def new_header(kind: str, key: ExchangeKey, rule_set: str, as_at_date: str, run_by: str) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "exchange_id": f"{kind}-{uuid.uuid4().hex}",
        "key_id": key.key_id,
        "key_check": key.check_value(),
        "rule_set": rule_set,
        "as_at_date": as_at_date,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "created_by": run_by,
    }


def write_envelope(path: Path, key: ExchangeKey, header: dict, body: list) -> Envelope:
    """Write a sealed file (atomically: a partial file never carries the final name)."""
    body_sha256 = hashlib.sha256(canonical(body)).hexdigest()
    document = {"header": header, "body": body, "body_sha256": body_sha256}
    document["mac"] = _seal(key, header, body)
    data = json.dumps(document, ensure_ascii=False, indent=1).encode()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)
    return Envelope(path, header, body, hashlib.sha256(data).hexdigest())


def read_envelope(path: Path, kind: str, key: ExchangeKey) -> Envelope:
    """Read and check a file; ExchangeRefused says why it cannot be used.

    The key's secret is checked only after the body's checksum, so that a wrong secret and
    an edited file get different reasons.
    """
    path = Path(path)
    data = path.read_bytes()
    try:
        document = json.loads(data)
        header, body = document["header"], document["body"]
        body_sha256, mac = document["body_sha256"], document["mac"]
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError):
        raise ExchangeRefused(
            path, "unreadable", "not an exchange file (JSON with header, body, body_sha256, mac)"
        ) from None
    envelope = Envelope(path, header, body, hashlib.sha256(data).hexdigest())
    if header.get("format_version") != FORMAT_VERSION:
        raise ExchangeRefused(
            path,
            "format_version",
            f"format version {header.get('format_version')!r}; this platform reads "
            f"{FORMAT_VERSION!r}",
        )
    if header.get("kind") != kind:
        raise ExchangeRefused(
            path, "kind", f"a {header.get('kind')!r} file where a {kind!r} file was expected"
        )
    if header.get("key_id") != key.key_id:
        raise ExchangeRefused(
            path,
            "key_id",
            f"made under key id {header.get('key_id')!r}, but this party holds key id "
            f"{key.key_id!r}: agree the current key with the other party",
        )
    if hashlib.sha256(canonical(body)).hexdigest() != body_sha256:
        raise ExchangeRefused(
            path,
            "checksum",
            "the body does not match its checksum: the "
            "file was damaged or edited after it was written",
        )
    if header.get("key_check") != key.check_value():
        raise ExchangeRefused(
            path,
            "wrong_key",
            f"made under another secret than the one this party holds for key id "
            f"{key.key_id!r}: no pseudonym can match; check both parties hold the same key file",
        )
    if mac != _seal(key, header, body):
        raise ExchangeRefused(
            path,
            "mac",
            "the MAC does not verify: the header or body was edited after the file was sealed",
        )
    return envelope


def require_same_rules(envelope: Envelope, rule_set: str, as_at_date: str) -> None:
    """Criteria are combined only when both sides used the same rule set and as-at date."""
    header = envelope.header
    if header.get("rule_set") != rule_set:
        raise ExchangeRefused(
            envelope.path,
            "rule_set",
            f"made under rule set {header.get('rule_set')!r}; this warehouse uses {rule_set!r}",
        )
    if header.get("as_at_date") != as_at_date:
        raise ExchangeRefused(
            envelope.path,
            "as_at_date",
            f"as at {header.get('as_at_date')}; this warehouse is as at {as_at_date}: run both "
            "parties' eligibility for the same date (families eligibility --as-at)",
        )
