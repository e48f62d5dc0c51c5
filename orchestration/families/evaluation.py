"""Eligibility accuracy against the synthetic city's truth: precision and recall of the
eligible list, of family detection, and of each criterion flag.

The only module of this stage that reads data/truth (family_truth.parquet); nothing it
computes feeds back into the criteria. Families are matched to truth households by UPRN (a
UPRN with several truth households counts as one, flagged if any of them is).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from orchestration import paths
from orchestration.families.case_classes import CASE_CLASSES, create_case_classes

FLAG_COUNT = 6


def _scores(tp: int, fp: int, fn: int) -> dict[str, Any]:
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall
        else None
    )
    return {
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
        "precision": None if precision is None else round(precision, 4),
        "recall": None if recall is None else round(recall, 4),
        "f1": None if f1 is None else round(f1, 4),
    }


def _confusion(
    con: duckdb.DuckDBPyConnection,
    predicted: str,
    actual: str,
    where: str = "true",
    table: str = "compared",
) -> dict[str, Any]:
    tp, fp, fn = con.execute(
        f"""
        select
            count(*) filter (where {predicted} and {actual}),
            count(*) filter (where {predicted} and not {actual}),
            count(*) filter (where not {predicted} and {actual}),
        from {table}
        where {where}
        """
    ).fetchone()
    return _scores(int(tp), int(fp), int(fn))


def _per_case_class(
    con: duckdb.DuckDBPyConnection, truth_dir: Path, as_at
) -> dict[str, dict[str, Any]]:
    """Family detection and eligibility for the UPRNs of each hard-case class (case_classes.py);
    a UPRN the platform calls a family where truth has no household is 'no_truth_household'.
    Empty when the truth or warehouse lacks what the classes need (a hand-built test city)."""
    if not create_case_classes(con, truth_dir, as_at):
        return {}
    con.execute(
        "create or replace temp table compared_classes as "
        "select compared.*, coalesce(case_classes.case_class, 'no_truth_household') as case_class "
        "from compared left join case_classes using (uprn)"
    )
    report = {}
    for case_class in (*CASE_CLASSES, "no_truth_household"):
        where = f"case_class = '{case_class}'"
        (uprns,) = con.execute(f"select count(*) from compared_classes where {where}").fetchone()
        report[case_class] = {
            "uprns": int(uprns),
            "family_detection": _confusion(con, "p_family", "t_family", where, "compared_classes"),
            "eligibility": _confusion(con, "p_eligible", "t_eligible", where, "compared_classes"),
        }
    return report


def evaluate_eligibility(
    db: Path | None = None, truth_dir: Path | None = None, report_dir: Path | None = None
) -> dict[str, Any]:
    """Compare marts.families / family criteria with family_truth at the run's as-at date;
    write data/reports/families/accuracy.json and return the report."""
    db = Path(db) if db else paths.warehouse_path()
    truth_file = (Path(truth_dir) if truth_dir else paths.truth_dir()) / "family_truth.parquet"
    report_dir = Path(report_dir) if report_dir else paths.reports_dir() / "families"
    if not truth_file.exists():
        raise FileNotFoundError(f"{truth_file}: no truth to evaluate against")
    con = duckdb.connect()
    try:
        con.execute(f"attach '{db}' as wh (read_only)")
        as_at, rule_set = con.execute(
            "select as_at_date, rule_set_version from wh.intermediate.int_run_parameters"
        ).fetchone()
        flags = ", ".join(
            f"bool_or(coalesce(e.has_criterion_{n}, false)) as p{n}"
            for n in range(1, FLAG_COUNT + 1)
        )
        # Truth and platform both count an absent parent for one problem (programme rule).
        # Shipped flags (p1..p6) compare with truth's; member-only flags (m1..m6) with the
        # truth's less the criterion its absent parent supplied (tm1..tm6).
        member_flags = ", ".join(
            f"bool_or(c.is_met and not c.is_met_by_absent_parent) "
            f"filter (where c.criterion_code = {n}) as m{n}"
            for n in range(1, FLAG_COUNT + 1)
        )
        member_columns = ", ".join(
            f"bool_or(coalesce(m.m{n}, false)) as m{n}" for n in range(1, FLAG_COUNT + 1)
        )
        con.execute(
            f"""
            create temp table predicted as
            with members as (
                select family_id, {member_flags}
                from wh.intermediate.int_family_criteria as c
                group by family_id
            )
            select cast(e.uprn as varchar) as uprn, true as is_family,
                bool_or(e.is_eligible) as is_eligible, {flags},
                {member_columns}
            from wh.intermediate.int_family_eligibility as e
            left join members as m on e.family_id = m.family_id
            group by 1
            """
        )
        truth_columns = {
            r[0]
            for r in con.execute(f"describe select * from read_parquet('{truth_file}')").fetchall()
        }
        if "absent_parent_criterion" not in truth_columns:
            raise ValueError(
                f"{truth_file} was written before the truth applied the absent-parent rule "
                "(no column absent_parent_criterion): regenerate the city with families synth"
            )
        truth_dates = [
            r[0]
            for r in con.execute(
                f"select distinct cast(as_at_date as date) from read_parquet('{truth_file}')"
            ).fetchall()
        ]
        if as_at not in truth_dates:
            raise ValueError(
                f"the warehouse speaks for {as_at}; {truth_file} has truth for "
                f"{', '.join(str(d) for d in sorted(truth_dates))}: rebuild with one of these "
                "(families eligibility --as-at ...)"
            )
        truth_flags = ", ".join(
            f"bool_or(coalesce(crit_{n}, false)) as t{n}, "
            f"bool_or(coalesce(crit_{n}, false) and absent_parent_criterion is distinct from "
            f"'crit_{n}') as tm{n}"
            for n in range(1, FLAG_COUNT + 1)
        )
        con.execute(
            f"""
            create temp table truth as
            select cast(uprn as varchar) as uprn, bool_or(is_family) as is_family,
                bool_or(is_eligible) as is_eligible, {truth_flags}
            from read_parquet('{truth_file}')
            where cast(as_at_date as date) = ?
            group by 1
            """,
            [as_at],
        )
        pred_flags = ", ".join(
            f"coalesce(p.p{n}, false) as p{n}, coalesce(p.m{n}, false) as m{n}, "
            f"coalesce(t.t{n}, false) as t{n}, coalesce(t.tm{n}, false) as tm{n}"
            for n in range(1, FLAG_COUNT + 1)
        )
        con.execute(
            f"""
            create temp table compared as
            select
                coalesce(p.uprn, t.uprn) as uprn,
                coalesce(p.is_family, false) as p_family,
                coalesce(t.is_family, false) as t_family,
                coalesce(p.is_eligible, false) as p_eligible,
                coalesce(t.is_eligible, false) as t_eligible,
                {pred_flags}
            from predicted as p
            full outer join truth as t on p.uprn = t.uprn
            """
        )
        report: dict[str, Any] = {
            "as_at_date": str(as_at),
            "rule_set_version": rule_set,
            "matched_on": "uprn",
            "overall": {
                "eligibility": _confusion(con, "p_eligible", "t_eligible"),
                "family_detection": _confusion(con, "p_family", "t_family"),
            },
            # Criteria are assessed for families: compare on households either side calls one.
            # The shipped flags: an absent parent counts for one problem, both sides.
            "per_criterion": {
                f"crit_{n}": _confusion(con, f"p{n}", f"t{n}", "p_family or t_family")
                for n in range(1, FLAG_COUNT + 1)
            },
            # From the household's own members only, both sides.
            "per_criterion_members_only": {
                f"crit_{n}": _confusion(con, f"m{n}", f"tm{n}", "p_family or t_family")
                for n in range(1, FLAG_COUNT + 1)
            },
            "per_criterion_among_eligible": {},
        }
        # Among households both sides call eligible: do the flags agree (the reasons match)?
        con.execute(
            "create temp table both_eligible as select * from compared "
            "where p_eligible and t_eligible"
        )
        for n in range(1, FLAG_COUNT + 1):
            tp, fp, fn = con.execute(
                f"select count(*) filter (where p{n} and t{n}), "
                f"count(*) filter (where p{n} and not t{n}), "
                f"count(*) filter (where not p{n} and t{n}) from both_eligible"
            ).fetchone()
            report["per_criterion_among_eligible"][f"crit_{n}"] = _scores(tp, fp, fn)
        report["per_case_class"] = _per_case_class(con, truth_file.parent, as_at)
    finally:
        con.close()
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "accuracy.json").write_text(json.dumps(report, indent=2))
    return report
