"""Open the warehouse from outside Dagster without a lock traceback: wait while another
process (a nightly run, the UI's run, a reader of an old version) holds it, then fail with a
message that says who holds it and what to do.

DuckDB allows one read-write process per file, and a read-only holder blocks a writer too.
Inside Dagster one writer at a time is the pool's job; a command started by hand meets the
lock directly and, before this, printed DuckDB's IOException.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


class WarehouseBusyError(RuntimeError):
    """Another process kept the warehouse locked for longer than we were willing to wait."""


def lock_holder(message: str) -> str | None:
    """'PID n (program)' from DuckDB's lock error, or None if it is not a lock error."""
    match = _HOLDER.search(message)
    return f"PID {match['pid']} ({Path(match['program']).name})" if match else None


def connect_warehouse(
    db: Path, *, read_only: bool = False, wait_seconds: float = 120.0, poll_seconds: float = 1.0
) -> duckdb.DuckDBPyConnection:
    """A connection to `db`, waiting up to `wait_seconds` while another process holds it."""
    import duckdb

    deadline = time.monotonic() + wait_seconds
    told = False
    while True:
        try:
            return duckdb.connect(str(db), read_only=read_only)
        except duckdb.IOException as error:
            holder = lock_holder(str(error))
            if holder is None:
                raise
            if time.monotonic() >= deadline:
                raise WarehouseBusyError(
                    f"{db} is still in use by {holder} after {wait_seconds:.0f} s (a nightly "
                    "run?); try again when it has finished. Readers use the published night "
                    "and never need the warehouse."
                ) from None
            if not told:
                print(
                    f"Waiting for the warehouse: {holder} is using it (up to {wait_seconds:.0f} s)",
                    file=sys.stderr,
                    flush=True,
                )
                told = True
            time.sleep(poll_seconds)
