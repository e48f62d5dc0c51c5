"""Proof by reading the files: which of a set of values stand anywhere in a folder's bytes.

Used to show that encryption leaves no personal value readable on disk and that a disposal
removed a dataset's values from every file, including the free pages of a database that a
DELETE leaves behind. Values are searched as UTF-8 and as UTF-16-LE (how some stores keep
text); a hit names the file and the value, so only run it where both may be seen.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

CHUNK = 8 * 1024 * 1024


def find_values(root: Path, values: Iterable[str]) -> dict[Path, set[str]]:
    """Each file under `root` (links not followed) that holds any of `values`."""
    needles = {
        encoded: value
        for value in values
        for encoded in (value.encode("utf-8"), value.encode("utf-16-le"))
    }
    overlap = max(len(n) for n in needles) - 1 if needles else 0
    hits: dict[Path, set[str]] = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        found = _scan_file(path, needles, overlap)
        if found:
            hits[path] = found
    return hits


def _scan_file(path: Path, needles: dict[bytes, str], overlap: int) -> set[str]:
    found: set[str] = set()
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            window = tail + chunk
            found.update(value for needle, value in needles.items() if needle in window)
            tail = window[-overlap:] if overlap else b""
    return found
