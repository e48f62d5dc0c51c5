"""Promoting a retrained model to be the nightly one, on a side-by-side comparison."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import duckdb

from orchestration.linkage.clerical_estimates import decisions_exist
from orchestration.linkage.model_comparison import compare_models


def _truth_table(con: duckdb.DuckDBPyConnection, source: str) -> str | None:
    """The synthetic city's truth, for evaluation only, when training on the warehouse."""
    from orchestration.linkage.evaluation import load_truth
    from orchestration.paths import truth_dir

    if source.startswith("lk_") or not (truth_dir() / "record_truth.parquet").is_file():
        return None
    load_truth(con, truth_dir(), "lk_cmp_truth")
    return "lk_cmp_truth"


def compare_and_promote(
    con: duckdb.DuckDBPyConnection,
    source: str,
    uprns: str | None,
    current: Path | None,
    candidate: Path,
    final: Path,
    force: bool,
) -> int:
    """Compare `candidate` with `current` on `source`; move it to `final` if it does as well
    (or `force`). Writes `<final stem>.comparison.json` beside it. Returns an exit code."""
    report: dict = {"verdict": "promote", "reason": "no current model"}
    if current is not None:
        decisions = "wh.linkage.review_decisions"
        report = compare_models(
            con,
            source,
            current,
            candidate,
            uprns=uprns,
            truth_table=_truth_table(con, source),
            decisions_table=decisions if decisions_exist(con, decisions) else None,
        )
    print(json.dumps(report, indent=2))
    if report["verdict"] != "promote" and not force:
        print(
            f"train-linkage: not promoted ({report['reason']}); the candidate stays at "
            f"{candidate} (--force to promote it anyway)",
            file=sys.stderr,
        )
        return 1
    for path in (candidate, candidate.with_name(candidate.stem + ".meta.json")):
        shutil.move(path, final.with_name(path.name.replace(candidate.stem, final.stem)))
    final.with_name(final.stem + ".comparison.json").write_text(
        json.dumps({**report, "forced": force and report["verdict"] != "promote"}, indent=2) + "\n",
        encoding="utf-8",
    )
    print(f"train-linkage: promoted to {final}")
    return 0
