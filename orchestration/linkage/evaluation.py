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

from orchestration.linkage.engine import write_profiles
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


def _choose2(n: str) -> str:
    return f"({n}) * (({n}) - 1) // 2"


def label_records(
    con: duckdb.DuckDBPyConnection, truth: str, sources: str, target: str = "lk_eval_labelled"
) -> None:
    """`target` (record_id, t, source_dataset, name_origin): each record's true person (as
    _build_cells hashes it), source and name origin, joined once for several evaluations."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {target} AS
        SELECT record_id, hash(t.person_id::VARCHAR) AS t, s.source_dataset,
               coalesce(t.name_origin, 'unknown') AS name_origin
        FROM {truth} t JOIN {sources} s USING (record_id)
        """
    )


def _build_cells(
    con: duckdb.DuckDBPyConnection,
    predicted: str,
    truth: str,
    sources: str,
    labelled: str | None = None,
) -> None:
    """lk_eval_cells: record counts per (predicted id, true person, source, name origin).

    Every measure is a sum over this contingency table and its margins, so memory and temp
    disk stay proportional to the number of distinct cells (about the number of records at
    worst), never to the number of record pairs. Ids are hashed to 64-bit integers: at a
    million ids the chance of any collision is below 1e-7, and they group far cheaper than
    strings.
    """
    if labelled is None:
        label_records(con, truth, sources, "lk_eval_labelled_here")
        labelled = "lk_eval_labelled_here"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE lk_eval_cells AS
        SELECT hash(p.predicted_id::VARCHAR) AS p, l.t, l.source_dataset, l.name_origin,
               count(*)::BIGINT AS n
        FROM {predicted} p JOIN {labelled} l USING (record_id)
        GROUP BY ALL
        """
    )
    con.execute("DROP TABLE IF EXISTS lk_eval_labelled_here")
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_eval_pt AS
           SELECT p, t, sum(n)::BIGINT AS n FROM lk_eval_cells GROUP BY ALL"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_eval_psize AS
           SELECT p, sum(n)::BIGINT AS n, count(*) AS persons FROM lk_eval_pt GROUP BY p"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_eval_tsize AS
           SELECT t, sum(n)::BIGINT AS n, count(*) AS ids FROM lk_eval_pt GROUP BY t"""
    )


def _total_pair_counts(con: duckdb.DuckDBPyConnection) -> dict:
    row = con.execute(
        f"""
        SELECT (SELECT coalesce(sum({_choose2("n")}), 0) FROM lk_eval_pt),
               (SELECT coalesce(sum({_choose2("n")}), 0) FROM lk_eval_psize),
               (SELECT coalesce(sum({_choose2("n")}), 0) FROM lk_eval_tsize),
               (SELECT coalesce(sum(n), 0) FROM lk_eval_pt)
        """
    ).fetchone()
    return {"tp": int(row[0]), "predicted": int(row[1]), "true": int(row[2]), "records": row[3]}


def _group_pair_counts(con: duckdb.DuckDBPyConnection, column: str, total: dict) -> dict:
    """Pair counts, per value g of `column`, over pairs with at least one record in g.

    Pairs with no record in g are those among the records outside g: for each cell of a
    margin holding n records of which n_g are in g, they number C(n - n_g, 2) instead of
    C(n, 2). Inside = total - outside, so only the cells where g occurs are visited.
    """

    def change(margin: str, keys: str) -> dict:
        rows = con.execute(
            f"""
            WITH g AS (SELECT {keys}, {column} AS grp, sum(n)::BIGINT AS n_g
                       FROM lk_eval_cells GROUP BY ALL)
            SELECT g.grp, sum({_choose2("m.n")} - {_choose2("m.n - g.n_g")}), sum(g.n_g)
            FROM g JOIN {margin} m USING ({keys}) GROUP BY g.grp
            """
        ).fetchall()
        return {grp: (int(inside), int(records)) for grp, inside, records in rows}

    tp = change("lk_eval_pt", "p, t")
    predicted = change("lk_eval_psize", "p")
    true = change("lk_eval_tsize", "t")
    return {
        grp: {
            "tp": tp[grp][0],
            "predicted": predicted[grp][0],
            "true": true[grp][0],
            "records": tp[grp][1],
        }
        for grp in sorted(tp)
    }


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


def _cluster_measures(con: duckdb.DuckDBPyConnection) -> dict:
    row = con.execute(
        """
        SELECT sum(c.n * c.n / p.n) / sum(c.n), sum(c.n * c.n / t.n) / sum(c.n),
               count(*) FILTER (WHERE c.n = p.n AND c.n = t.n)
        FROM lk_eval_pt c JOIN lk_eval_psize p USING (p) JOIN lk_eval_tsize t USING (t)
        """
    ).fetchone()
    bp, br, exact = row
    persons, split = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE ids > 1) FROM lk_eval_tsize"
    ).fetchone()
    ids, merged = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE persons > 1) FROM lk_eval_psize"
    ).fetchone()
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
    labelled: str | None = None,
) -> dict:
    """Pairwise and cluster measures, overall, per source and per name-origin group.

    `predicted` (record_id, predicted_id); `truth` (record_id, person_id, name_origin);
    `sources` (record_id, source_dataset). Only records present in all three count.
    `labelled` is truth and sources already joined (label_records), when several
    predictions are evaluated against the same records.
    """
    _build_cells(con, predicted, truth, sources, labelled)
    try:
        total = _total_pair_counts(con)
        result = {
            "pairwise": _rates(total),
            "cluster": _cluster_measures(con),
            "per_source": {
                grp: _rates(c)
                for grp, c in _group_pair_counts(con, "source_dataset", total).items()
            },
            "per_name_origin": {
                grp: _rates(c) for grp, c in _group_pair_counts(con, "name_origin", total).items()
            },
        }
    finally:
        for table in ("lk_eval_cells", "lk_eval_pt", "lk_eval_psize", "lk_eval_tsize"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
    result["disparities"] = _disparities(result)
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


def profile_persons_sql(record_map: str, truth: str) -> str:
    """(unique_id, person_id, n): how many of each profile's records are each true person's."""
    return f"""SELECT m.unique_id, t.person_id, count(*) AS n
               FROM {record_map} m JOIN {truth} t USING (record_id) GROUP BY ALL"""


def blocking_recall(
    con: duckdb.DuckDBPyConnection,
    profiles: str,
    record_map: str,
    truth: str,
    rules: list[str] | None = None,
    profile_persons: str | None = None,
) -> dict:
    """Share of true pairs of distinct profiles that the blocking rules would compare.

    Pairs never compared can never be linked, so this caps recall. Per rule and combined.
    `profile_persons` is profile_persons_sql's result, when already built.
    """
    rules = rules or BLOCKING_RULES
    profile_persons = profile_persons or f"({profile_persons_sql(record_map, truth)})"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE lk_true_profile_pairs AS
        WITH pp AS (SELECT unique_id, person_id FROM {profile_persons})
        SELECT DISTINCT a.unique_id AS u1, b.unique_id AS u2
        FROM pp a JOIN pp b ON a.person_id = b.person_id AND a.unique_id < b.unique_id
        """
    )
    # One pass over the true pairs counts every rule and their union.
    per_rule_counts = ", ".join(f"count(*) FILTER (WHERE coalesce({r}, false))" for r in rules)
    combined_sql = " OR ".join(f"coalesce({r}, false)" for r in rules)
    *rule_counts, covered, total = con.execute(
        f"""SELECT {per_rule_counts}, count(*) FILTER (WHERE {combined_sql}), count(*)
            FROM lk_true_profile_pairs tp JOIN {profiles} l ON l.unique_id = tp.u1
            JOIN {profiles} r ON r.unique_id = tp.u2"""
    ).fetchone()
    per_rule = {
        rule: round(n / total, 5) if total else 1.0
        for rule, n in zip(rules, rule_counts, strict=True)
    }
    con.execute("DROP TABLE lk_true_profile_pairs")
    return {
        "true_profile_pairs": total,
        "blocking_recall": round(covered / total, 5) if total else 1.0,
        "recall_by_rule": per_rule,
    }


# Probability bands in which the precision of scored pairs is reported: the evidence for
# where the clerical review band should sit (settings.LinkageThresholds).
PROBABILITY_BANDS = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99, 0.999, 1.0000001)


def precision_by_probability_band(
    con: duckdb.DuckDBPyConnection,
    pairs: str,
    record_map: str,
    clusters: str,
    truth: str,
    profile_persons: str | None = None,
) -> list[dict]:
    """Per probability band: scored profile pairs, the share that are truly one person, and
    the same for pairs left in different clusters (where a review decision would merge).

    A profile's true person is the commonest among its records. Counts and rates only.
    """
    bands = ", ".join(
        f"({lo!r}, {hi!r})"
        for lo, hi in zip(PROBABILITY_BANDS, PROBABILITY_BANDS[1:], strict=False)
    )
    rows = con.execute(
        f"""
        WITH person_records AS (
            SELECT * FROM {profile_persons or f"({profile_persons_sql(record_map, truth)})"}),
        person AS (
            -- The commonest true person among the profile's records; a tie goes to the
            -- smaller id, so that reruns on the same tables agree (arg_max picked either).
            SELECT unique_id, first(person_id ORDER BY n DESC, person_id) AS person_id
            FROM person_records GROUP BY 1),
        representative AS (
            SELECT unique_id, min(record_id) AS record_id FROM {record_map} GROUP BY 1),
        cluster AS (
            -- A profile's records are all in one cluster: any of them tells which.
            SELECT r.unique_id, c.cluster_key
            FROM representative r JOIN {clusters} c USING (record_id)),
        scored AS (
            SELECT p.match_probability AS prob,
                   pl.person_id = pr.person_id AS is_true,
                   cl.cluster_key <> cr.cluster_key AS across
            FROM {pairs} p
            JOIN person pl ON pl.unique_id = p.unique_id_l
            JOIN person pr ON pr.unique_id = p.unique_id_r
            JOIN cluster cl ON cl.unique_id = p.unique_id_l
            JOIN cluster cr ON cr.unique_id = p.unique_id_r),
        bands(lo, hi) AS (VALUES {bands})
        SELECT b.lo, b.hi, count(s.prob), count(*) FILTER (WHERE s.is_true),
               count(*) FILTER (WHERE s.across),
               count(*) FILTER (WHERE s.across AND s.is_true)
        FROM bands b LEFT JOIN scored s ON s.prob >= b.lo AND s.prob < b.hi
        GROUP BY ALL ORDER BY b.lo
        """
    ).fetchall()
    return [
        {
            "band": [lo, min(hi, 1.0)],
            "pairs": n,
            "true_share": round(t / n, 5) if n else None,
            "pairs_across_clusters": a,
            "true_share_across_clusters": round(at / a, 5) if a else None,
        }
        for lo, hi, n, t, a, at in rows
    ]


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
    standardised: str = "linkage.standardised_records",
    record_map: str = "linkage.run_record_profiles",
    pairs: str | None = "linkage.run_profile_pairs",
    record_uprns: str | None = None,
    predicted: str = "linkage.person_index",
    review_queue: str | None = "linkage.review_queue",
) -> dict:
    """Everything measured against the truth for the last linkage run, written to
    accuracy.json/html. Reads only what the run kept in the warehouse, so it runs after it.

    `records` is the standard-schema input; `standardised` the run's standardised records;
    `record_map` (record_id, unique_id) its profiles and `pairs` (unique_id_l, unique_id_r,
    match_probability) the profile pairs it scored (pipeline.keep_run_for_evaluation).
    `truth_table` is a ready (record_id, person_id, name_origin[, uprn]) table, else it is
    loaded from `truth_dir`.
    """
    # The run's profiles, as engine.build_profiles wrote them: each read from its smallest
    # record. A person id is one cluster of the run (person_index.assign_stable_ids).
    write_profiles(con, standardised, record_map, "lk_eval_profiles", temporary=True)
    profiles = "lk_eval_profiles"
    clusters = f"(SELECT record_id, person_id AS cluster_key FROM {predicted})"
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
    label_records(con, truth_table, "lk_eval_sources", "lk_eval_labelled")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE lk_eval_profile_persons AS "
        + profile_persons_sql(record_map, truth_table)
    )
    report = {
        "splink": evaluate_clusters(
            con, "lk_eval_pred", truth_table, "lk_eval_sources", "lk_eval_labelled"
        ),
        "baseline_exact_name_dob": evaluate_clusters(
            con, "lk_eval_baseline", truth_table, "lk_eval_sources", "lk_eval_labelled"
        ),
        "blocking": blocking_recall(
            con, profiles, record_map, truth_table, profile_persons="lk_eval_profile_persons"
        ),
    }
    if review_queue is not None:
        queued, same = con.execute(
            f"""SELECT count(*), count(*) FILTER (WHERE tl.person_id = tr.person_id)
                FROM {review_queue} q
                JOIN {truth_table} tl ON tl.record_id = q.record_id_l
                JOIN {truth_table} tr ON tr.record_id = q.record_id_r"""
        ).fetchone()
        # How often a reviewer of the queue would find the run's outcome wrong.
        report["review_queue"] = {
            "queued_pairs_with_truth": queued,
            "truly_one_person": same,
            "truly_two_people": queued - same,
        }
    if pairs is not None:
        report["precision_by_probability_band"] = precision_by_probability_band(
            con, pairs, record_map, clusters, truth_table, "lk_eval_profile_persons"
        )
    truth_cols = {
        c
        for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
            [truth_table.rpartition(".")[2]],
        ).fetchall()
    }
    if record_uprns and "uprn" in truth_cols:
        report["addresses"] = evaluate_addresses(con, record_uprns, truth_table)
    for table in (
        "lk_eval_pred",
        "lk_eval_sources",
        "lk_eval_baseline",
        "lk_eval_labelled",
        "lk_eval_profile_persons",
        "lk_eval_profiles",
    ):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    if out_dir is not None:
        write_accuracy_report(out_dir, report)
    return report
