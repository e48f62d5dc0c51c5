"""`families bench`: the city-scale benchmark of the nightly job (what `make bench` runs)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="Generate a city, run the nightly job from an empty warehouse, then a second "
        "night with about 1%% new and changed records; write data/reports/bench/<date>.json "
        "and .md with time and memory per stage, rows and accuracy. Several sizes: each in "
        "turn, smallest first, and a cost curve (<date>-curve.md).",
    )
    parser.add_argument(
        "--households",
        type=int,
        nargs="+",
        default=[200_000],
        help="one size, or several (e.g. 50000 200000 500000): run smallest first, stop at "
        "the first that fails or exceeds --max-gb, and report how each stage grows",
    )
    parser.add_argument("--seed", type=int, default=20150901)
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where the city, its warehouse and run history go "
        "(default data/bench/city-<households>; with several sizes, <workdir>/city-<N>)",
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
    parser.add_argument(
        "--encrypted",
        action="store_true",
        help="also run both nights inside a gocryptfs vault and report the cost of encryption "
        "(time and peak memory, encrypted / plain)",
    )
    parser.add_argument(
        "--no-peer",
        action="store_true",
        help="skip the plain Splink peer (when only the nights are re-measured; at 200,000 "
        "households the peer ran out of disk on a 24 GB, 2-core machine)",
    )
    parser.add_argument(
        "--max-gb",
        type=float,
        default=None,
        help="memory limit for the cost curve (default 24, the goal's machine)",
    )
    parser.add_argument(
        "--curve-from",
        type=Path,
        nargs="+",
        metavar="REPORT",
        help="run nothing: draw the cost curve from saved reports of sizes run one at a "
        "time (data/reports/bench/<date>.json ...), measured on the same commit",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from orchestration import paths
    from orchestration.bench import curve
    from orchestration.bench.report import write_reports
    from orchestration.bench.run import BenchError, run_bench

    out = paths.reports_dir() / "bench"
    max_gb = args.max_gb or curve.DEFAULT_MAX_GB
    if args.curve_from:
        return _curve_from(args.curve_from, out, max_gb)
    sizes = sorted(set(args.households))
    several = len(sizes) > 1

    def one_size(households: int) -> dict | None:
        workdir = args.workdir or paths.data_dir() / "bench"
        if several or not args.workdir:
            workdir = workdir / f"city-{households}"
        result = run_bench(
            households,
            args.seed,
            workdir,
            reuse_city=args.reuse_city,
            generate_only=args.generate_only,
            encrypted=args.encrypted,
            peer=not args.no_peer,
        )
        if result is None:
            print(f"city generated in {workdir}; run the nights with --reuse-city")
            return None
        stem = f"{result['date']}-{households}" if several else None
        json_path, md_path = write_reports(result, out, stem)
        print(md_path.read_text())
        print(f"written: {json_path} and {md_path}")
        return result

    if not several or args.generate_only:
        try:
            for households in sizes:
                one_size(households)
        except BenchError as error:
            print(f"benchmark failed: {error}")
            return 1
        return 0
    results, stopped = curve.run_sizes(sizes, one_size, max_gb)
    if not results:
        print(f"benchmark failed at the smallest size: {stopped['error']}")
        return 1
    _write_curve(curve.cost_curve(results, stopped, max_gb), out)
    return 0


def _curve_from(reports: list[Path], out: Path, max_gb: float) -> int:
    from orchestration.bench import curve

    loaded = []
    for path in reports:
        try:
            loaded.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as error:
            print(f"families bench --curve-from: cannot read {path}: {error}")
            return 2
        if "households" not in loaded[-1] or "nights" not in loaded[-1]:
            print(f"families bench --curve-from: {path} is not a benchmark report")
            return 2
    try:
        figures = curve.curve_from_reports(loaded, max_gb)
    except curve.MixedReports as error:
        print(f"families bench --curve-from: {error}")
        return 2
    _write_curve(figures, out)
    return 0


def _write_curve(figures: dict, out: Path) -> None:
    from orchestration.bench import curve

    out.mkdir(parents=True, exist_ok=True)
    stem = f"{dt.date.today().isoformat()}-curve"
    (out / f"{stem}.json").write_text(json.dumps(figures, indent=2))
    (out / f"{stem}.md").write_text(curve.curve_markdown(figures))
    print(curve.curve_markdown(figures))
    print(f"written: {out / stem}.json and .md")
