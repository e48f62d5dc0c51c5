"""Blocking rules chosen from the columns a data set fills, within a budget of comparisons.

A rule is a set of keys that must be equal on both records. Candidates run from tight
(date of birth and a name) to loose (one field alone); every candidate whose keys the data
fills and whose comparison count fits the budget is used, so small files are compared
widely and large ones only as widely as they can afford.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb

# A field counts as present when at least this share of profiles fill it: a column of a
# few stray values would make rules and comparisons that teach nothing.
MIN_COVERAGE = 0.01

# Comparisons any one prediction rule may generate: generous for files of thousands, and
# a bound of about 40 comparisons per profile for a city's hundreds of thousands.
MIN_PAIR_BUDGET = 300_000
PAIRS_PER_PROFILE = 40


@dataclass(frozen=True)
class BlockingKeyRule:
    """Records are compared when every key expression agrees (`{t}` is l or r)."""

    keys: tuple[str, ...]

    def sql(self) -> str:
        return " AND ".join(f"{k.format(t='l')} = {k.format(t='r')}" for k in self.keys)

    def fields(self) -> set[str]:
        return {f for k in self.keys for f in _FIELDS if f'{{t}}."{f}"' in k}


def _k(*keys: str) -> BlockingKeyRule:
    return BlockingKeyRule(tuple(keys))


_FIELDS = (
    "nhs_number",
    "upn",
    "ni_number",
    "dob",
    "first_name",
    "first_name_canonical",
    "surname",
    "surname_root",
    "postcode",
    "postcode_district",
    "uprn",
    "address_text",  # these two only in `families link` files (address_text.py)
    "postcode_text",
)
DOB, FIRST, SURNAME = '{t}."dob"', '{t}."first_name_canonical"', '{t}."surname_root"'
POSTCODE, YEAR = '{t}."postcode"', 'year({t}."dob")'
ADDRESS, POSTCODE_TEXT = '{t}."address_text"', '{t}."postcode_text"'

# Tight to loose. Each catches true pairs the others miss: identifiers for name changes,
# names for mistyped dates, date and place for mistyped names.
CANDIDATE_RULES = (
    _k('{t}."nhs_number"'),
    _k('{t}."upn"'),
    _k('{t}."ni_number"'),
    _k('{t}."uprn"', 'left({t}."first_name", 1)'),
    _k(DOB, FIRST),
    _k(DOB, SURNAME),
    _k(DOB, POSTCODE),
    _k(FIRST, SURNAME),
    _k(SURNAME, POSTCODE),
    _k(FIRST, POSTCODE),
    _k(FIRST, YEAR),
    _k(SURNAME, YEAR),
    _k(DOB, 'left({t}."first_name", 1)'),
    _k(DOB),
    _k('left({t}."first_name", 2)', 'left({t}."surname", 2)', 'month({t}."dob")'),
    _k('left({t}."surname", 3)', 'left({t}."first_name", 1)', '{t}."postcode_district"'),
    _k(POSTCODE),
    # An address as written, for files without UPRNs or UK postcodes: whole, and its start
    # (house number and street), which survives a typo or a dropped locality further on.
    _k(ADDRESS),
    _k(f"left({ADDRESS}, 8)"),
    _k(POSTCODE_TEXT, 'left({t}."surname", 1)'),
    _k(POSTCODE_TEXT, 'left({t}."first_name", 1)'),
    _k(POSTCODE_TEXT),
)
# Names in the other order (surname-first systems, swapped fields): not a key equality.
NAME_SWAP_RULE = (
    'l."dob" = r."dob" AND (l."first_name" = r."surname" OR l."surname" = r."first_name")'
)

# Loose single-field keys used only to check what the chosen rules miss (sampled).
CHECK_RULES = (
    _k(SURNAME),
    _k(FIRST),
    _k(YEAR, '{t}."postcode_district"'),
    _k(YEAR, 'month({t}."dob")'),
)


def present_fields(con: duckdb.DuckDBPyConnection, profiles: str) -> set[str]:
    """Standardised fields filled in at least MIN_COVERAGE of `profiles`."""
    columns = {c.lower() for c in con.sql(f"SELECT * FROM {profiles} LIMIT 0").columns}
    fields = [f for f in _FIELDS if f in columns]
    counts = ", ".join(f'count("{f}")' for f in fields)
    total, *filled = con.execute(f"SELECT count(*), {counts} FROM {profiles}").fetchone()
    return {f for f, n in zip(fields, filled, strict=True) if total and n / total >= MIN_COVERAGE}


def comparison_count(con: duckdb.DuckDBPyConnection, profiles: str, rule: BlockingKeyRule) -> int:
    """How many profile pairs `rule` compares (a dedupe of `profiles`)."""
    keys = [k.format(t="p") for k in rule.keys]
    where = " AND ".join(f"{k} IS NOT NULL" for k in keys)
    return con.execute(
        f"""SELECT coalesce(sum(n * (n - 1) // 2), 0)::BIGINT FROM (
                SELECT count(*) AS n FROM {profiles} p WHERE {where}
                GROUP BY {", ".join(keys)})"""
    ).fetchone()[0]


def pair_budget(profiles: int) -> int:
    return max(MIN_PAIR_BUDGET, PAIRS_PER_PROFILE * profiles)


def choose_blocking_rules(
    con: duckdb.DuckDBPyConnection, profiles_table: str, present: set[str]
) -> tuple[list[str], list[dict]]:
    """Prediction rules (SQL) for these profiles, and why each candidate was kept or not."""
    profiles = con.execute(f"SELECT count(*) FROM {profiles_table}").fetchone()[0]
    budget = pair_budget(profiles)
    chosen, report = [], []
    for rule in CANDIDATE_RULES:
        if not rule.fields() <= present:
            continue
        pairs = comparison_count(con, profiles_table, rule)
        kept = pairs <= budget
        report.append({"rule": rule.sql(), "comparisons": pairs, "used": kept})
        if kept:
            chosen.append(rule.sql())
    if {"dob", "first_name", "surname"} <= present:
        chosen.append(NAME_SWAP_RULE)
        report.append({"rule": NAME_SWAP_RULE, "comparisons": None, "used": True})
    return chosen, report


def sampled_check_rules(
    con: duckdb.DuckDBPyConnection, profiles_table: str, present: set[str]
) -> list[tuple[str, int]]:
    """Loose rules, each thinned to about the budget: (SQL, 1-in-k sampling factor k).

    The sample keeps a pair when a hash of its two ids falls in one k-th of the range, so a
    link found there stands for about k links the chosen rules would miss.
    """
    profiles = con.execute(f"SELECT count(*) FROM {profiles_table}").fetchone()[0]
    budget = pair_budget(profiles)
    rules = []
    for rule in CHECK_RULES:
        if not rule.fields() <= present:
            continue
        k = max(1, math.ceil(comparison_count(con, profiles_table, rule) / budget))
        sample = (
            f" AND hash(least(l.unique_id, r.unique_id), greatest(l.unique_id, r.unique_id))"
            f" % {k} = 0"
            if k > 1
            else ""
        )
        rules.append((rule.sql() + sample, k))
    return rules


def estimate_blocking_recall(
    con: duckdb.DuckDBPyConnection, profiles_table: str, model: dict, link_threshold: float
) -> dict:
    """Links the model's blocking rules find, against links looser rules find that they miss.

    The model is run once more with its own rules followed by sampled loose ones
    (sampled_check_rules); Splink labels each pair with the first rule that produced it,
    so a linked pair labelled with a loose rule is one the model's rules never compared.
    Pairs no loose rule compares either stay unseen: the figure is an upper bound on recall.
    """
    from orchestration.linkage.engine import load_profiles_into, make_linker, splink_connection

    own = [r["blocking_rule"] for r in model["blocking_rules_to_generate_predictions"]]
    checks = sampled_check_rules(con, profiles_table, present_fields(con, profiles_table))
    settings = dict(model)
    settings["blocking_rules_to_generate_predictions"] = [
        {"blocking_rule": r} for r in own + [rule for rule, _ in checks]
    ]
    splink_con = splink_connection()
    try:
        load_profiles_into(splink_con, con, profiles_table)
        linker = make_linker(splink_con, settings)
        scored = linker.inference.predict(threshold_match_probability=link_threshold)
        by_rule = dict(
            splink_con.execute(
                f"SELECT match_key::INTEGER, count(*) FROM {scored.physical_name} GROUP BY 1"
            ).fetchall()
        )
        scored.drop_table_from_database_and_remove_from_cache()
    finally:
        splink_con.close()
    found = sum(n for key, n in by_rule.items() if key < len(own))
    missed = [
        {"rule": rule, "sampled_one_in": k, "links_missed_in_sample": by_rule.get(len(own) + i, 0)}
        for i, (rule, k) in enumerate(checks)
    ]
    estimated_missed = sum(m["links_missed_in_sample"] * m["sampled_one_in"] for m in missed)
    return {
        "profile_links_found": found,
        "estimated_links_missed": estimated_missed,
        "estimated_blocking_recall": round(found / (found + estimated_missed), 4)
        if found + estimated_missed
        else None,
        "check_rules": missed,
    }
