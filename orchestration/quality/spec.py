"""Quality checks as plain data: what each expectation tests, its dimension and its severity.

Suites are declared with these dataclasses (no Great Expectations import), so a suite can be
listed, tested and turned into plain-words advice without paying GX's import cost; `gx_suite`
turns them into GX expectations only when a load is validated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

DIMENSIONS = ("completeness", "validity", "uniqueness", "timeliness", "consistency", "accuracy")
Dimension = Literal[
    "completeness", "validity", "uniqueness", "timeliness", "consistency", "accuracy"
]
Severity = Literal["error", "warning"]

# Prefix of the columns computed in DuckDB for a check (flags, ages, intervals): they can never
# clash with an agency's own column names, and they are what GX expects true.
DERIVED_PREFIX = "_q_"


@dataclass(frozen=True)
class Check:
    """One expectation: `kind` says which GX expectation it becomes.

    kinds: `not_null` (column), `in_set` (column, values), `unique` (columns), `flag` (a
    boolean computed by `sql`, expected true; NULL means "not applicable").
    `mostly` is the share of rows that must pass. `advice` is the plain-words fix at source
    shown to the Information Asset Owner when the check fails; `{percent}`, `{count}` and
    `{field}` are filled in from the result (counts and field names only, never values).
    Flag SQL may read the load's columns and `_extract_date`, `_prev_extract_date` (the
    dataset's previous extract), `_as_at_date` (newest extract of any source) and
    `_is_latest_load`.
    """

    name: str
    kind: Literal["not_null", "in_set", "unique", "flag"]
    dimension: Dimension
    severity: Severity
    description: str
    advice: str
    columns: tuple[str, ...] = ()
    values: tuple[Any, ...] = ()
    sql: str | None = None
    mostly: float = 1.0
    # A rate needs enough rows to mean anything: a load with fewer judged rows than this is
    # recorded as skipped for this check (its warning twin still reports every row).
    min_rows: int = 0
    # Reference tables (see references.py) the SQL reads; the check is skipped, and said to
    # be skipped, when one of them has not been loaded yet.
    requires: tuple[str, ...] = ()
    # A flag whose SQL is a window over the dataset's history: it is computed over every
    # load in the raw table (ordered by `_extract_date`), not only the loads being validated,
    # so a record can be compared with what earlier extracts of a delta already sent.
    history: bool = False
    # (name, SQL) pairs computed once per row before `sql`, which refers to them by name:
    # a reference look-up repeats its match keys (normalised postcode, name keys) in several
    # subqueries, and DuckDB recomputed every normalisation in each (seven times slower).
    keys: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.dimension not in DIMENSIONS:
            raise ValueError(f"check {self.name}: unknown dimension {self.dimension!r}")
        if self.severity not in ("error", "warning"):
            raise ValueError(f"check {self.name}: severity must be error or warning")
        if self.kind == "flag" and not self.sql:
            raise ValueError(f"check {self.name}: a flag check needs its SQL expression")
        if self.history and self.kind != "flag":
            raise ValueError(f"check {self.name}: only a flag can read the dataset's history")
        if not 0 < self.mostly <= 1:
            raise ValueError(f"check {self.name}: mostly must be in (0, 1]")

    @property
    def derived_column(self) -> str:
        return f"{DERIVED_PREFIX}{self.name}"
