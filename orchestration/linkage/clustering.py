"""Persons from scored pairs: connected components, then constrained re-clustering.

Clustering is greedy and constrained rather than plain connected components where it must
be: edges are taken strongest first and a merge is refused when it would put two profiles
a reviewer declared different (hard) or the model or strong identifiers say differ (soft,
yielding to a reviewer's match) into one person.
"""

from __future__ import annotations

import pyarrow as pa

from orchestration.linkage.run_state import LinkageRun


class _ConstrainedUnionFind:
    def __init__(self, hard: dict[int, set[int]], soft: dict[int, set[int]]):
        self.parent: dict[int, int] = {}
        # Per component root: profiles it must never contain. Hard ones come from reviewers
        # and bind everything; soft ones come from the model and yield to a reviewer's match.
        self.forbidden = (
            {k: set(v) for k, v in hard.items()},
            {k: set(v) for k, v in soft.items()},
        )

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    def _violates(self, table: dict[int, set[int]], ra: int, rb: int) -> bool:
        fa, fb = table.get(ra), table.get(rb)
        return bool(
            (fa and any(self.find(x) == rb for x in fa))
            or (fb and any(self.find(x) == ra for x in fb))
        )

    def union(self, a: int, b: int, forced: bool = False) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        hard, soft = self.forbidden
        if self._violates(hard, ra, rb) or (not forced and self._violates(soft, ra, rb)):
            return False
        self.parent[rb] = ra
        for table in self.forbidden:
            moved = table.pop(rb, None)
            if moved:
                table.setdefault(ra, set()).update(moved)
        return True


def _as_forbidden(pairs: list[tuple[int, int]]) -> dict[int, set[int]]:
    forbidden: dict[int, set[int]] = {}
    for a, b in pairs:
        forbidden.setdefault(a, set()).add(b)
        forbidden.setdefault(b, set()).add(a)
    return forbidden


def constrained_clusters(
    edges: list[tuple[int, int]],
    cannot_link: list[tuple[int, int]],
    forced: list[tuple[int, int]] | None = None,
    soft_cannot_link: list[tuple[int, int]] | None = None,
) -> dict[int, int]:
    """Profile -> cluster root, merging edges strongest first unless a constraint forbids.

    `forced` edges (reviewers' matches) are merged first and override `soft_cannot_link`
    (the model's conflicts) but never `cannot_link` (reviewers' non-matches). `edges` must
    come strongest first.
    """
    uf = _ConstrainedUnionFind(_as_forbidden(cannot_link), _as_forbidden(soft_cannot_link or []))
    nodes: set[int] = set()
    for a, b in forced or []:
        nodes.update((a, b))
        uf.union(a, b, forced=True)
    for a, b in edges:
        nodes.update((a, b))
        uf.union(a, b)
    return {node: uf.find(node) for node in nodes}


def decided_profile_pairs(
    run: LinkageRun, decisions_table: str
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Reviewers' latest decisions as profile pairs: (forced matches, cannot-links)."""
    decided = run.con.execute(
        f"""
        SELECT ml.unique_id, mr.unique_id, d.decision
        FROM {decisions_table} d
        JOIN {run.tables.record_map} ml ON ml.record_id = d.record_id_l
        JOIN {run.tables.record_map} mr ON mr.record_id = d.record_id_r
        QUALIFY row_number() OVER (
            PARTITION BY least(d.record_id_l, d.record_id_r),
                         greatest(d.record_id_l, d.record_id_r)
            ORDER BY d.decided_at DESC) = 1
        """
    ).fetchall()
    forced = [(a, b) for a, b, d in decided if d == "match" and a != b]
    apart = [(a, b) for a, b, d in decided if d == "non_match" and a != b]
    return forced, apart


def connected_components(run: LinkageRun, edges_arrow, forced_matches: list[tuple[int, int]]):
    """Profile -> component root (as Arrow) over links and forced matches, in SQL, on
    Splink's connection."""
    splink_con = run.splink_con
    from splink import DuckDBAPI
    from splink.internals.connected_components import solve_connected_components

    splink_con.register("lk_edges_arrow", edges_arrow)
    splink_con.execute("CREATE OR REPLACE TABLE lk_edges AS SELECT * FROM lk_edges_arrow")
    splink_con.unregister("lk_edges_arrow")
    if forced_matches:
        splink_con.executemany("INSERT INTO lk_edges VALUES (?, ?)", forced_matches)
    splink_con.execute(
        f"CREATE OR REPLACE TABLE lk_nodes AS SELECT unique_id FROM {run.tables.splink_profiles}"
    )
    db_api = DuckDBAPI(connection=splink_con)
    components = solve_connected_components(
        nodes_table=db_api.table_to_splink_dataframe("lk_nodes", "lk_nodes"),
        edges_table=db_api.table_to_splink_dataframe("lk_edges", "lk_edges"),
        node_id_column_name="unique_id",
        edge_id_column_name_left="unique_id_l",
        edge_id_column_name_right="unique_id_r",
        db_api=db_api,
        threshold_match_probability=None,
    )
    roots = splink_con.execute(
        f"SELECT unique_id, cluster_id AS root FROM {components.physical_name}"
    ).to_arrow_table()
    components.drop_table_from_database_and_remove_from_cache()
    splink_con.execute("DROP TABLE lk_edges; DROP TABLE lk_nodes")
    return roots


def split_components_against_decisions(
    run: LinkageRun,
    forced_matches: list[tuple[int, int]],
    cannot_link: list[tuple[int, int]],
    conflicts: list[tuple[int, int]],
) -> int:
    """Re-cluster, greedily and under constraints, the components a non-match decision cuts;
    return how many components were redone.

    Only components holding both records of a "not a match" decision are redone, so the
    cost stays small however large the city.
    """
    con, t = run.con, run.tables
    roots = dict(con.execute(f"SELECT unique_id, root FROM {t.roots}").fetchall())
    broken = {
        roots[a] for a, b in cannot_link + conflicts if a in roots and roots.get(a) == roots.get(b)
    }
    if not broken:
        return 0
    con.register("lk_broken_arrow", pa.table({"root": pa.array(sorted(broken), pa.int64())}))
    con.execute("CREATE OR REPLACE TEMP TABLE lk_broken AS SELECT * FROM lk_broken_arrow")
    con.unregister("lk_broken_arrow")
    edges = con.execute(
        f"""
        SELECT p.unique_id_l, p.unique_id_r FROM {t.pairs} p
        JOIN {t.roots} r ON r.unique_id = p.unique_id_l
        WHERE r.root IN (SELECT root FROM lk_broken) AND p.match_probability >= ?
        ORDER BY p.match_probability DESC, p.unique_id_l, p.unique_id_r
        """,
        [run.thresholds.link],
    ).fetchall()
    members = {node for node, root in roots.items() if root in broken}
    forced = [(a, b) for a, b in forced_matches if a in members]
    new_roots = constrained_clusters(edges, cannot_link, forced=forced, soft_cannot_link=conflicts)
    ordered = sorted(members)
    # Bulk load through Arrow: row-by-row inserts take minutes at city scale.
    new_arrow = pa.table(
        {
            "unique_id": pa.array(ordered, pa.int64()),
            "root": pa.array([new_roots.get(node, node) for node in ordered], pa.int64()),
        }
    )
    con.register("lk_new_roots_arrow", new_arrow)
    con.execute("CREATE OR REPLACE TEMP TABLE lk_new_roots AS SELECT * FROM lk_new_roots_arrow")
    con.unregister("lk_new_roots_arrow")
    con.execute(
        f"""UPDATE {t.roots} SET root = n.root FROM lk_new_roots n
            WHERE {t.roots}.unique_id = n.unique_id"""
    )
    con.execute("DROP TABLE lk_new_roots")
    con.execute("DROP TABLE lk_broken")
    return len(broken)
