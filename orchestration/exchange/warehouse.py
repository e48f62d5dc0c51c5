"""What the exchange reads from an instance's own warehouse: its run parameters, its
households and their pseudonyms. Both parties run the same platform, so both have these."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from orchestration.exchange.keys import ExchangeKey
from orchestration.linkage.engine import table_exists

PARAMETERS = "intermediate.int_run_parameters"
HOUSEHOLD_MEMBERS = "intermediate.int_household_members"


class WarehouseNotReady(RuntimeError):
    """The warehouse lacks a table the exchange needs (the message says what to run)."""


@dataclass(frozen=True)
class RunParameters:
    rule_set: str
    as_at_date: str
    min_criteria: int


def require_tables(con: duckdb.DuckDBPyConnection, *tables: str) -> None:
    missing = [table for table in tables if not table_exists(con, table)]
    if missing:
        raise WarehouseNotReady(
            f"the warehouse has no {', '.join(missing)}: run the nightly job (families nightly)"
        )


def run_parameters(con: duckdb.DuckDBPyConnection) -> RunParameters:
    """The rule set and as-at date the warehouse's criteria were built for."""
    require_tables(con, PARAMETERS)
    rule_set, as_at, min_criteria = con.execute(
        f"select rule_set_version, as_at_date, min_criteria from {PARAMETERS}"
    ).fetchone()
    return RunParameters(rule_set=rule_set, as_at_date=str(as_at), min_criteria=min_criteria)


def household_pseudonyms(con: duckdb.DuckDBPyConnection, key: ExchangeKey) -> pd.DataFrame:
    """Every household UPRN of this instance with its pseudonym (columns uprn, pseudonym).

    Computed here, in Python, so the secret never enters SQL text or a query log.
    """
    require_tables(con, HOUSEHOLD_MEMBERS)
    uprns = [
        uprn
        for (uprn,) in con.execute(
            f"select distinct uprn from {HOUSEHOLD_MEMBERS} where uprn is not null order by 1"
        ).fetchall()
    ]
    return pd.DataFrame(
        {"uprn": uprns, "pseudonym": [key.pseudonym(uprn) for uprn in uprns]},
        columns=["uprn", "pseudonym"],
    ).astype({"uprn": "str", "pseudonym": "str"})
