"""`families bench`: the city-scale benchmark of the nightly job (what `make bench` runs)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="Generate a city, run the nightly job from an empty warehouse, then a second "
        "night with about 1%% new and changed records; write data/reports/bench/<date>.json "
        "and .md with time and memory per stage, rows and accuracy.",
    )
    parser.add_argument("--households", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=20150901)
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where the city, its warehouse and run history go "
        "(default data/bench/city-<households>)",
    )
    parser.add_argument(
        "--reuse-city",
        action="store_true",
        help="skip generation when the work folder already holds a generated city",
    )
    parser.add_argument(
        "--generate-only",
        action="store_true",
        help="generate (and measure) the city, then stop; run again with --reuse-city",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from orchestration import paths
    from orchestration.bench.report import write_reports
    from orchestration.bench.run import BenchError, run_bench

    workdir = args.workdir or paths.data_dir() / "bench" / f"city-{args.households}"
    try:
        result = run_bench(
            args.households,
            args.seed,
            workdir,
            reuse_city=args.reuse_city,
            generate_only=args.generate_only,
        )
    except BenchError as error:
        print(f"benchmark failed: {error}")
        return 1
    if result is None:
        print(f"city generated in {workdir}; run the nights with --reuse-city")
        return 0
    json_path, md_path = write_reports(result, paths.reports_dir() / "bench")
    print(md_path.read_text())
    print(f"written: {json_path} and {md_path}")
    return 0
