"""Accuracy of linkage against the synthetic city's truth: the only linkage code reading truth.

Reports hold counts and rates only. Pairwise measures count record pairs: a predicted pair is
two records given one person id, a true pair two records of one true person. For a subset
of records (a source, a name-origin group) the pairs counted are those with at least one
record in the subset, so false links into or out of the group count against it.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import duckdb

from orchestration.linkage.settings import BLOCKING_RULES

# A group whose F1 or recall falls this far below the overall figure is highlighted.
DISPARITY_MARGIN = 0.02


def load_truth(con: duckdb.DuckDBPyConnection, truth_dir: Path, table: str = "lk_truth") -> int:
    """Table `table` (record_id, person_id, name_origin, uprn) from data/truth parquet files."""
    truth_dir = Path(truth_dir)
    record_truth = truth_dir / "record_truth.parquet"
    persons = truth_dir / "persons.parquet"
    if not record_truth.is_file():
        raise FileNotFoundError(f"{record_truth}: no truth to evaluate against")
    origin = (
        f"LEFT JOIN (SELECT person_id, name_origin FROM read_parquet('{persons}')) p "
        "USING (person_id)"
        if persons.is_file()
        else "LEFT JOIN (SELECT NULL AS person_id, NULL AS name_origin) p USING (person_id)"
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {table} AS
        SELECT t.record_id::VARCHAR AS record_id, t.person_id::VARCHAR AS person_id,
               p.name_origin::VARCHAR AS name_origin, t.uprn::VARCHAR AS uprn
        FROM read_parquet('{record_truth}') t {origin}
        WHERE t.person_id IS NOT NULL
        """
    )
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def _pair_counts(con: duckdb.DuckDBPyConnection, joined: str, where: str = "true") -> dict:
    row = con.execute(
        f"""
        WITH j AS (SELECT * FROM {joined} WHERE {where}),
        both_ AS (SELECT count(*) AS n FROM j GROUP BY predicted_id, person_id),
        pred AS (SELECT count(*) AS n FROM j GROUP BY predicted_id),
        truth AS (SELECT count(*) AS n FROM j GROUP BY person_id)
        SELECT (SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM both_),
               (SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM pred),
               (SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM truth),
               (SELECT count(*) FROM j)
        """
    ).fetchone()
    return {"tp": int(row[0]), "predicted": int(row[1]), "true": int(row[2]), "records": row[3]}


def _rates(counts: dict) -> dict:
    tp, predicted, true = counts["tp"], counts["predicted"], counts["true"]
    precision = tp / predicted if predicted else 1.0
    recall = tp / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 5),
        "recall": round(recall, 5),
        "f1": round(f1, 5),
        "true_pairs": true,
        "predicted_pairs": predicted,
        "correct_pairs": tp,
        "records": counts["records"],
    }


def _subset_rates(con: duckdb.DuckDBPyConnection, joined: str, condition: str, total: dict):
    """Pairwise rates over pairs with at least one record meeting `condition`."""
    outside = _pair_counts(con, joined, f"NOT coalesce({condition}, false)")
    inside = {k: total[k] - outside[k] for k in total}
    return _rates(inside)


def _cluster_measures(con: duckdb.DuckDBPyConnection, joined: str) -> dict:
    row = con.execute(
        f"""
        WITH j AS (SELECT * FROM {joined}),
        cell AS (SELECT predicted_id, person_id, count(*) AS n FROM j GROUP BY ALL),
        psize AS (SELECT predicted_id, count(*) AS n, count(DISTINCT person_id) AS persons
                  FROM j GROUP BY 1),
        tsize AS (SELECT person_id, count(*) AS n, count(DISTINCT predicted_id) AS ids
                  FROM j GROUP BY 1),
        bcubed AS (
            SELECT sum(c.n * c.n / p.n) / sum(c.n) AS p_part,
                   sum(c.n * c.n / t.n) / sum(c.n) AS r_part
            FROM cell c JOIN psize p USING (predicted_id) JOIN tsize t USING (person_id))
        SELECT
            (SELECT p_part FROM bcubed), (SELECT r_part FROM bcubed),
            (SELECT count(*) FROM tsize),
            (SELECT count(*) FROM psize),
            (SELECT count(*) FROM tsize WHERE ids > 1),
            (SELECT count(*) FROM psize WHERE persons > 1),
            (SELECT count(*) FROM cell c JOIN psize p USING (predicted_id)
               JOIN tsize t USING (person_id) WHERE c.n = p.n AND c.n = t.n)
        """
    ).fetchone()
    bp, br, persons, ids, split, merged, exact = row
    bf1 = 2 * bp * br / (bp + br) if bp and br else 0.0
    return {
        "bcubed_precision": round(bp or 0, 5),
        "bcubed_recall": round(br or 0, 5),
        "bcubed_f1": round(bf1, 5),
        "true_persons": persons,
        "predicted_persons": ids,
        "persons_split_across_ids": split,
        "ids_holding_several_persons": merged,
        "exact_cluster_share_of_true_persons": round(exact / persons, 5) if persons else 1.0,
    }


def evaluate_clusters(
    con: duckdb.DuckDBPyConnection,
    predicted: str,
    truth: str,
    sources: str,
) -> dict:
    """Pairwise and cluster measures, overall, per source and per name-origin group.

    `predicted` (record_id, predicted_id); `truth` (record_id, person_id, name_origin);
    `sources` (record_id, source_dataset). Only records present in all three count.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE lk_eval_joined AS
        SELECT p.record_id, p.predicted_id::VARCHAR AS predicted_id, t.person_id,
               coalesce(t.name_origin, 'unknown') AS name_origin, s.source_dataset
        FROM {predicted} p JOIN {truth} t USING (record_id) JOIN {sources} s USING (record_id)
        """
    )
    joined = "lk_eval_joined"
    total = _pair_counts(con, joined)
    overall = _rates(total)
    per_source = {
        src: _subset_rates(con, joined, f"source_dataset = '{src}'", total)
        for (src,) in con.execute(
            f"SELECT DISTINCT source_dataset FROM {joined} ORDER BY 1"
        ).fetchall()
    }
    per_origin = {
        grp: _subset_rates(con, joined, f"name_origin = '{grp}'", total)
        for (grp,) in con.execute(
            f"SELECT DISTINCT name_origin FROM {joined} ORDER BY 1"
        ).fetchall()
    }
    result = {
        "pairwise": overall,
        "cluster": _cluster_measures(con, joined),
        "per_source": per_source,
        "per_name_origin": per_origin,
    }
    result["disparities"] = _disparities(result)
    con.execute(f"DROP TABLE {joined}")
    return result


def _disparities(result: dict) -> list[dict]:
    overall = result["pairwise"]
    flagged = []
    for kind in ("per_source", "per_name_origin"):
        for group, rates in result[kind].items():
            for measure in ("f1", "recall", "precision"):
                gap = overall[measure] - rates[measure]
                if gap > DISPARITY_MARGIN:
                    flagged.append(
                        {
                            "group_kind": kind,
                            "group": group,
                            "measure": measure,
                            "value": rates[measure],
                            "overall": overall[measure],
                            "gap": round(gap, 5),
                        }
                    )
    return flagged


def exact_name_dob_baseline(con: duckdb.DuckDBPyConnection, records: str, target: str) -> None:
    """Phase one's deterministic tool: same first name, surname and date of birth.

    Writes `target` (record_id, predicted_id). Records without a date of birth stay alone.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {target} AS
        SELECT record_id::VARCHAR AS record_id,
               CASE WHEN dob IS NULL OR first_name IS NULL OR surname IS NULL
                    THEN 'r:' || record_id
                    ELSE 'k:' || lower(trim(first_name)) || '|' || lower(trim(surname))
                         || '|' || dob::VARCHAR END AS predicted_id
        FROM {records}
        """
    )


def blocking_recall(
    con: duckdb.DuckDBPyConnection,
    profiles: str,
    record_map: str,
    truth: str,
    rules: list[str] | None = None,
) -> dict:
    """Share of true pairs of distinct profiles that the blocking rules would compare.

    Pairs never compared can never be linked, so this caps recall. Per rule and combined.
    """
    rules = rules or BLOCKING_RULES
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE lk_true_profile_pairs AS
        WITH pp AS (SELECT DISTINCT m.unique_id, t.person_id
                    FROM {record_map} m JOIN {truth} t USING (record_id))
        SELECT DISTINCT a.unique_id AS u1, b.unique_id AS u2
        FROM pp a JOIN pp b ON a.person_id = b.person_id AND a.unique_id < b.unique_id
        """
    )
    base = (
        f"FROM lk_true_profile_pairs tp JOIN {profiles} l ON l.unique_id = tp.u1 "
        f"JOIN {profiles} r ON r.unique_id = tp.u2"
    )
    total = con.execute("SELECT count(*) FROM lk_true_profile_pairs").fetchone()[0]
    per_rule = {}
    for rule in rules:
        n = con.execute(f"SELECT count(*) {base} WHERE coalesce({rule}, false)").fetchone()[0]
        per_rule[rule] = round(n / total, 5) if total else 1.0
    combined_sql = " OR ".join(f"coalesce({r}, false)" for r in rules)
    covered = con.execute(f"SELECT count(*) {base} WHERE {combined_sql}").fetchone()[0]
    con.execute("DROP TABLE lk_true_profile_pairs")
    return {
        "true_profile_pairs": total,
        "blocking_recall": round(covered / total, 5) if total else 1.0,
        "recall_by_rule": per_rule,
    }


def evaluate_addresses(con: duckdb.DuckDBPyConnection, record_uprns: str, truth: str) -> dict:
    """UPRN assignment against the truth: precision of confident matches, recall overall."""
    row = con.execute(
        f"""
        SELECT
            count(*) FILTER (WHERE t.uprn IS NOT NULL) AS with_true_uprn,
            count(*) FILTER (WHERE u.match_status = 'matched') AS matched,
            count(*) FILTER (WHERE u.match_status = 'matched' AND u.uprn = t.uprn) AS correct,
            count(*) FILTER (WHERE u.match_status = 'low_confidence') AS low_confidence,
            count(*) FILTER (WHERE u.match_status = 'low_confidence' AND u.uprn = t.uprn)
                AS low_confidence_correct,
            count(*) FILTER (WHERE u.match_status = 'unmatched') AS unmatched
        FROM {record_uprns} u JOIN {truth} t USING (record_id)
        """
    ).fetchone()
    with_true, matched, correct, low, low_correct, unmatched = row
    precision = correct / matched if matched else 1.0
    recall = correct / with_true if with_true else 1.0
    return {
        "records_evaluated_with_true_uprn": with_true,
        "matched": matched,
        "matched_correct": correct,
        "low_confidence": low,
        "low_confidence_correct": low_correct,
        "unmatched": unmatched,
        "precision": round(precision, 5),
        "recall": round(recall, 5),
        "f1": round(2 * precision * recall / (precision + recall), 5)
        if precision + recall
        else 0.0,
    }


def write_accuracy_report(out_dir: Path, report: dict) -> Path:
    """accuracy.json and accuracy.html (counts and rates only; disparities highlighted)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "accuracy.json").write_text(json.dumps(report, indent=2, default=str))
    flagged = {
        (d["group_kind"], d["group"]) for d in report.get("splink", {}).get("disparities", [])
    }

    def table(kind: str) -> str:
        rows = []
        splink = report.get("splink", {}).get(kind, {})
        base = report.get("baseline_exact_name_dob", {}).get(kind, {})
        for group, rates in splink.items():
            b = base.get(group, {})
            style = ' style="background:#fdd"' if (kind, group) in flagged else ""
            rows.append(
                f"<tr{style}><td>{html.escape(group)}</td><td>{rates['precision']:.4f}</td>"
                f"<td>{rates['recall']:.4f}</td><td>{rates['f1']:.4f}</td>"
                f"<td>{b.get('precision', float('nan')):.4f}</td>"
                f"<td>{b.get('recall', float('nan')):.4f}</td>"
                f"<td>{b.get('f1', float('nan')):.4f}</td><td>{rates['true_pairs']}</td></tr>"
            )
        head = (
            "<tr><th>group</th><th>Splink P</th><th>Splink R</th><th>Splink F1</th>"
            "<th>exact P</th><th>exact R</th><th>exact F1</th><th>true pairs</th></tr>"
        )
        return f"<table>{head}{''.join(rows)}</table>"

    s, b = report.get("splink", {}), report.get("baseline_exact_name_dob", {})
    overall = ""
    if s:
        overall = (
            "<table><tr><th></th><th>precision</th><th>recall</th><th>F1</th></tr>"
            f"<tr><td>Splink</td><td>{s['pairwise']['precision']:.4f}</td>"
            f"<td>{s['pairwise']['recall']:.4f}</td><td>{s['pairwise']['f1']:.4f}</td></tr>"
            f"<tr><td>exact name + DOB</td><td>{b['pairwise']['precision']:.4f}</td>"
            f"<td>{b['pairwise']['recall']:.4f}</td><td>{b['pairwise']['f1']:.4f}</td></tr>"
            "</table>"
        )
    cluster = "".join(
        f"<tr><td>{k}</td><td>{v}</td><td>{b.get('cluster', {}).get(k, '')}</td></tr>"
        for k, v in s.get("cluster", {}).items()
    )
    blocks = json.dumps(report.get("blocking", {}), indent=2)
    addresses = json.dumps(report.get("addresses", {}), indent=2)
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Linkage accuracy</title>
<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:2px 8px;border:1px solid #ccc}}
table{{border-collapse:collapse;margin-bottom:1.5em}}</style></head><body>
<h1>Linkage accuracy against the truth</h1>
<p>Pairwise measures over record pairs. Rows in red fall more than {DISPARITY_MARGIN} below the
overall figure.</p>
<h2>Overall, side by side</h2>{overall}
<h2>Cluster measures</h2><table><tr><th>measure</th><th>Splink</th><th>exact name + DOB</th>
</tr>{cluster}</table>
<h2>Per source</h2>{table("per_source")}
<h2>Per name-origin group</h2>{table("per_name_origin")}
<h2>Blocking recall</h2><pre>{html.escape(blocks)}</pre>
<h2>Addresses</h2><pre>{html.escape(addresses)}</pre>
</body></html>"""
    path = out_dir / "accuracy.html"
    path.write_text(page, encoding="utf-8")
    return path


def evaluate_run(
    con: duckdb.DuckDBPyConnection,
    records: str,
    out_dir: Path | None,
    truth_dir: Path | None = None,
    truth_table: str | None = None,
    profiles: str = "lk_profiles",
    record_map: str = "lk_record_map",
    record_uprns: str | None = None,
    predicted: str = "linkage.person_index",
) -> dict:
    """Everything measured against the truth for one run, written to accuracy.json/html.

    `records` is the standard-schema input; `truth_table` a ready (record_id, person_id,
    name_origin[, uprn]) table, else it is loaded from `truth_dir`.
    """
    if truth_table is None:
        load_truth(con, truth_dir, "lk_truth")
        truth_table = "lk_truth"
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE lk_eval_pred AS
            SELECT record_id, person_id AS predicted_id FROM {predicted}"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE lk_eval_sources AS
            SELECT record_id::VARCHAR AS record_id, source_dataset FROM {records}"""
    )
    exact_name_dob_baseline(con, records, "lk_eval_baseline")
    report = {
        "splink": evaluate_clusters(con, "lk_eval_pred", truth_table, "lk_eval_sources"),
        "baseline_exact_name_dob": evaluate_clusters(
            con, "lk_eval_baseline", truth_table, "lk_eval_sources"
        ),
        "blocking": blocking_recall(con, profiles, record_map, truth_table),
    }
    truth_cols = {
        c
        for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
            [truth_table.rpartition(".")[2]],
        ).fetchall()
    }
    if record_uprns and "uprn" in truth_cols:
        report["addresses"] = evaluate_addresses(con, record_uprns, truth_table)
    for table in ("lk_eval_pred", "lk_eval_sources", "lk_eval_baseline"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    if out_dir is not None:
        write_accuracy_report(out_dir, report)
    return report
