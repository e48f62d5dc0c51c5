"""Profiles that strong identifiers say are different people, though linked into one person.

An NHS number, UPN or NI number is issued to one person: two records holding two different
ones are two people (twins at one address with one surname and date of birth are the
typical case), however much else they share. Such pairs become cannot-link constraints for
clustering, which then splits the person at its weakest links; a reviewer's "match" still
overrides them (settings of clustering in predict.py).
"""

from __future__ import annotations

import duckdb

STRONG_IDENTIFIERS = ("nhs_number", "upn", "ni_number")

# A temporary UPN (its last character a letter, DfE's UPN guidance) is replaced by a
# permanent one when the pupil's details are found: one pupil may hold both. Measured on
# the demo city: all 5 true persons split by differing identifiers held a temporary UPN.
# (Temporary NI numbers, TN..., are already dropped by standardisation.)
_PERMANENT = {"upn": "NOT regexp_matches({t}.upn, '[A-Z]$')"}


def identifier_conflicts(
    con: duckdb.DuckDBPyConnection, profiles_table: str, roots_table: str
) -> list[tuple[int, int]]:
    """Profile pairs in one component (`roots_table`: unique_id, root) whose NHS numbers,
    permanent UPNs or NI numbers are both present and different."""
    # Only components holding two values of some identifier can hold such a pair: a
    # handful, so the pairwise join stays small whatever the size of the city.
    several = " OR ".join(f"count(DISTINCT {c}) > 1" for c in STRONG_IDENTIFIERS)
    differ = " OR ".join(
        f"(a.{c} <> b.{c}"
        + "".join(f" AND {_PERMANENT[c].format(t=side)}" for side in "ab" if c in _PERMANENT)
        + ")"
        for c in STRONG_IDENTIFIERS
    )
    columns = ", ".join(f"p.{c}" for c in STRONG_IDENTIFIERS)
    rows = con.execute(
        f"""
        WITH members AS (
            SELECT r.root, p.unique_id, {columns}
            FROM {roots_table} r JOIN {profiles_table} p USING (unique_id)
        ),
        suspect AS (
            SELECT root FROM members GROUP BY root HAVING {several}
        ),
        candidates AS (SELECT * FROM members SEMI JOIN suspect USING (root))
        SELECT a.unique_id, b.unique_id
        FROM candidates a JOIN candidates b
          ON a.root = b.root AND a.unique_id < b.unique_id
        WHERE {differ}
        ORDER BY 1, 2
        """
    ).fetchall()
    return [(int(a), int(b)) for a, b in rows]
