"""Time the address stage alone on a city's loaded warehouse, cold, with its accuracy.

    python -m orchestration.bench.address_stage --city data/bench/city-40000/city

A night of the benchmark takes minutes; this takes only the stage's inputs (the person records
and the gazetteer) from the city's warehouse (opened read-only) into a scratch DuckDB file and
runs `match_record_addresses` as a first night does (no cache, the gazetteer prepared from
nothing), so two versions of the stage can be compared on the same input in a minute or two.
Prints one JSON line: the stage's summary (with its phases), wall time, peak resident memory of
this process, the load average at the start and the accuracy against the city's truth.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from orchestration.linkage.addresses import gazetteer_canonical_sql, match_record_addresses
from orchestration.linkage.assets import GAZETTEER, PERSON_RECORDS
from orchestration.linkage.evaluation import evaluate_addresses, load_truth


def run(city: Path, chunk_size: int | None = None, keep: Path | None = None) -> dict:
    load_average = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="address_stage_") as scratch:
        con = duckdb.connect(str(Path(scratch) / "stage.duckdb"))
        con.execute(f"ATTACH '{city / 'warehouse.duckdb'}' AS wh (READ_ONLY)")
        con.execute("CREATE SCHEMA IF NOT EXISTS linkage")
        con.execute(
            f"CREATE TABLE records AS SELECT record_id, address, postcode FROM wh.{PERSON_RECORDS}"
        )
        con.execute(f"CREATE TABLE gazetteer AS SELECT * FROM wh.{GAZETTEER}")
        con.execute("DETACH wh")
        started = time.monotonic()
        summary = match_record_addresses(
            con,
            "records",
            gazetteer_canonical_sql(con, "gazetteer"),
            cache=None,
            prepared_dir=Path(scratch) / "prepared",
            # Unset: the stage's own default; 0: every address in one call.
            **({} if chunk_size is None else {"chunk_size": chunk_size or None}),
        )
        wall = time.monotonic() - started
        load_truth(con, city / "truth", "truth")
        accuracy = evaluate_addresses(con, "linkage.record_uprns", "truth")
        if keep is not None:
            con.execute(f"COPY linkage.record_uprns TO '{keep}' (FORMAT parquet)")
        con.close()
    return {
        "summary": summary,
        "wall_seconds": round(wall, 1),
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2),
        "load_average_at_start": [round(x, 2) for x in load_average],
        "precision": accuracy["precision"],
        "recall": accuracy["recall"],
        "matched": accuracy["matched"],
        "low_confidence": accuracy["low_confidence"],
        "unmatched": accuracy["unmatched"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--city", type=Path, required=True, help="a city folder with warehouse.duckdb and truth/"
    )
    parser.add_argument(
        "--chunk-size",
        type=int,
        default=None,
        help="addresses per matcher call (default: the stage's; 0: all in one call)",
    )
    parser.add_argument(
        "--keep", type=Path, default=None, help="write the stage's record_uprns to this parquet"
    )
    parser.add_argument(
        "--log",
        action="store_true",
        help="log the matcher's steps with timestamps (to stderr), to see where the time goes",
    )
    args = parser.parse_args(argv)
    if args.log:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr
        )
        logging.getLogger("uk_address_matcher").setLevel(logging.DEBUG)
    print(json.dumps(run(args.city.resolve(), args.chunk_size, args.keep)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
