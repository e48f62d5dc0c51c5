"""Each run's linkage diagnostics under data/reports/linkage/, all working offline.

Aggregate reports (model charts, m/u parameters, cluster sizes, link rates) hold no
identifiers. The comparison viewer and cluster studio necessarily show records: they go to
restricted/, which carries a README saying so. Splink's chart HTML normally loads vega from a
CDN; we write it with Splink's own offline template, which inlines the bundled scripts, and
the dashboards' Google Fonts links are removed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb

RESTRICTED_README = (
    "These files contain personal data (names, dates of birth, addresses, identifiers) "
    "for authorised linkage staff only. Do not copy, share or publish them.\n"
)


def write_model_charts(linker, out_dir: Path) -> dict[str, str]:
    """Match-weight and m/u charts as self-contained HTML, and the m/u table as JSON."""
    from splink.internals.charts import save_offline_chart

    out_dir.mkdir(parents=True, exist_ok=True)
    files = {}
    charts = {
        "match_weights_chart.html": linker.visualisations.match_weights_chart(as_dict=True),
        "m_u_parameters_chart.html": linker.visualisations.m_u_parameters_chart(as_dict=True),
    }
    for name, spec in charts.items():
        save_offline_chart(spec, str(out_dir / name), overwrite=True, print_msg=False)
        files[name] = str(out_dir / name)
    parameters = []
    for comparison in linker._settings_obj.comparisons:
        for level in comparison.comparison_levels:
            if level.is_null_level:
                continue
            parameters.append(
                {
                    "comparison": comparison.output_column_name,
                    "level": level.label_for_charts,
                    "m_probability": level.m_probability,
                    "u_probability": level.u_probability,
                    "match_weight": level._log2_bayes_factor
                    if level.m_probability and level.u_probability
                    else None,
                }
            )
    (out_dir / "m_u_parameters.json").write_text(json.dumps(parameters, indent=2))
    files["m_u_parameters.json"] = str(out_dir / "m_u_parameters.json")
    return files


def cluster_size_distribution(con: duckdb.DuckDBPyConnection) -> dict:
    """Persons by number of records and by number of distinct profiles (from this run)."""
    by_records = con.execute(
        """SELECT cluster_size, count(DISTINCT person_id) FROM linkage.person_index
           GROUP BY 1 ORDER BY 1"""
    ).fetchall()
    # A person is the profiles sharing one root (lk_roots holds every profile's), so
    # counting roots needs no pass over the records.
    by_profiles = con.execute(
        """SELECT profiles, count(*) FROM (
               SELECT root, count(*) AS profiles FROM lk_roots GROUP BY 1)
           GROUP BY 1 ORDER BY 1"""
    ).fetchall()
    return {
        "persons_by_record_count": {int(k): int(v) for k, v in by_records},
        "persons_by_distinct_profile_count": {int(k): int(v) for k, v in by_profiles},
        "max_profiles_in_a_cluster": int(max((k for k, _ in by_profiles), default=0)),
    }


def link_rates(con: duckdb.DuckDBPyConnection, std_table: str) -> dict:
    """Per source: records, persons; per pair of sources: share of A's persons also in B."""
    # One pass over the records: each person's records per source.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE lk_person_sources AS
            SELECT p.person_id, s.source_dataset, count(*) AS records
            FROM linkage.person_index p JOIN {std_table} s USING (record_id)
            GROUP BY ALL"""
    )
    per_source = con.execute(
        """SELECT source_dataset, sum(records)::BIGINT AS records, count(*) AS persons
           FROM lk_person_sources GROUP BY 1 ORDER BY 1"""
    ).fetchall()
    pairs = con.execute(
        """SELECT a.source_dataset, b.source_dataset, count(*) AS shared
           FROM lk_person_sources a JOIN lk_person_sources b USING (person_id)
           WHERE a.source_dataset <> b.source_dataset GROUP BY 1, 2"""
    ).fetchall()
    multi = con.execute(
        """SELECT avg(CASE WHEN n > 1 THEN 1.0 ELSE 0.0 END) FROM (
               SELECT person_id, count(*) AS n FROM lk_person_sources GROUP BY 1)"""
    ).fetchone()[0]
    persons = {src: n for src, _, n in per_source}
    con.execute("DROP TABLE lk_person_sources")
    return {
        "sources": {
            src: {"records": r, "persons": n, "records_per_person": round(r / n, 4)}
            for src, r, n in per_source
        },
        "pair_link_rates": {
            f"{a}|{b}": round(shared / persons[a], 4) for a, b, shared in sorted(pairs)
        },
        "share_of_persons_in_two_or_more_sources": round(multi or 0.0, 4),
    }


def write_restricted_dashboards(
    con: duckdb.DuckDBPyConnection,
    model: dict,
    out_dir: Path,
    floor: float,
    sample_clusters: int = 40,
) -> dict[str, str]:
    """Comparison viewer and cluster studio on a sample of clusters (they show records).

    A fresh Splink linker scores only the sampled clusters' profiles, keeping the compared
    values the nightly scoring drops, so the dashboards stay small at city scale.
    """
    from orchestration.linkage.engine import load_profiles_into, make_linker, splink_connection

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "README.txt").write_text(RESTRICTED_README)
    # The largest clusters (where over-linking shows) plus a reproducible spread of others.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE lk_sample_clusters AS
        WITH sizes AS (
            SELECT c.cluster_key, count(DISTINCT m.unique_id) AS profiles
            FROM lk_record_clusters c JOIN lk_record_map m USING (record_id) GROUP BY 1
        )
        SELECT cluster_key FROM (
            (SELECT cluster_key FROM sizes WHERE profiles > 1
             ORDER BY profiles DESC, cluster_key LIMIT {sample_clusters // 2})
            UNION
            (SELECT cluster_key FROM sizes WHERE profiles > 1
             ORDER BY hash(cluster_key), cluster_key LIMIT {sample_clusters // 2}))
        """
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_sample_profiles AS
           SELECT DISTINCT p.*, dense_rank() OVER (ORDER BY c.cluster_key) AS cluster_id
           FROM lk_profiles p JOIN lk_record_map m USING (unique_id)
           JOIN lk_record_clusters c USING (record_id)
           WHERE c.cluster_key IN (SELECT cluster_key FROM lk_sample_clusters)"""
    )
    if con.execute("SELECT count(*) FROM lk_sample_profiles").fetchone()[0] == 0:
        return {}
    sample_model = dict(model)
    sample_model["retain_matching_columns"] = True
    sample_model["retain_intermediate_calculation_columns"] = True
    splink_con = splink_connection("1GB")
    files = {}
    try:
        load_profiles_into(splink_con, con, "lk_sample_profiles", name="sample_profiles")
        splink_con.execute("CREATE TABLE sample_clusters AS SELECT * FROM sample_profiles")
        splink_con.execute("ALTER TABLE sample_profiles DROP COLUMN cluster_id")
        linker = make_linker(splink_con, sample_model, table="sample_profiles")
        df_predict = linker.inference.predict(threshold_match_probability=floor)
        df_clusters = linker.table_management.register_table(
            splink_con.table("sample_clusters").to_arrow_table(),
            "sample_clusters_registered",
            overwrite=True,
        )
        viewer = out_dir / "comparison_viewer.html"
        linker.visualisations.comparison_viewer_dashboard(
            df_predict, str(viewer), overwrite=True, num_example_rows=2
        )
        viewer.write_text(without_font_links(viewer.read_text(encoding="utf-8")), encoding="utf-8")
        files["comparison_viewer.html"] = str(viewer)
        cluster_ids = [
            r[0]
            for r in splink_con.execute(
                "SELECT DISTINCT cluster_id FROM sample_clusters ORDER BY 1"
            ).fetchall()
        ]
        studio = out_dir / "cluster_studio.html"
        linker.visualisations.cluster_studio_dashboard(
            df_predict, df_clusters, str(studio), cluster_ids=cluster_ids, overwrite=True
        )
        studio.write_text(without_font_links(studio.read_text(encoding="utf-8")), encoding="utf-8")
        files["cluster_studio.html"] = str(studio)
    finally:
        splink_con.close()
        con.execute("DROP TABLE IF EXISTS lk_sample_clusters")
        con.execute("DROP TABLE IF EXISTS lk_sample_profiles")
    return files


def write_run_report(out_dir: Path, summary: dict, nights: list[dict] | None = None) -> Path:
    """diagnostics.json and the diagnostics page (diagnostics_page.py): counts and rates
    only, with the key figures of `nights` (oldest first, this run last) as a trend."""
    from orchestration.linkage.diagnostics_page import diagnostics_page

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "diagnostics.json").write_text(json.dumps(summary, indent=2, default=str))
    path = out_dir / "diagnostics.html"
    path.write_text(diagnostics_page(summary, nights or []), encoding="utf-8")
    return path


def night_metrics(con: duckdb.DuckDBPyConnection, nights: int) -> list[dict]:
    """The last `nights` runs' metrics from linkage.run_metrics, oldest first."""
    rows = con.execute(
        "SELECT metrics FROM linkage.run_metrics ORDER BY run_at DESC LIMIT ?", [nights]
    ).fetchall()
    return [json.loads(r[0]) for r in reversed(rows)]


# Splink's dashboard templates ask Google Fonts for Source Sans Pro: a request to another
# host on every view of a page of personal data. Without it the page falls back to the
# browser's sans-serif.
_FONT_LINK = re.compile(r"<link[^>]*fonts\.(googleapis|gstatic)\.com[^>]*>\s*", re.IGNORECASE)


def without_font_links(page: str) -> str:
    """The page without its links to Google Fonts."""
    return _FONT_LINK.sub("", page)
