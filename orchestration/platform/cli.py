"""`families nightly`, `families evaluate`, `families demo` and `families ui`.

Summaries print counts, file names, fields and reasons only: never a personal identifier.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import sys
import time
from pathlib import Path

from orchestration import paths
from orchestration.platform.summary import print_run_status, print_summary
from orchestration.platform.warehouse_lock import WarehouseBusyError, connect_warehouse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    nightly = subparsers.add_parser(
        "nightly", help="Run the nightly job once, in this process, and print a summary."
    )
    nightly.add_argument(
        "--no-evaluation",
        action="store_true",
        help="Do not run the evaluation job after the night (the benchmark times it apart).",
    )
    nightly.set_defaults(func=run_nightly)

    evaluate = subparsers.add_parser(
        "evaluate",
        help="Run the evaluation job once: the last night's linkage and eligibility accuracy "
        "against the synthetic city's truth (data/reports/*/accuracy.json).",
    )
    evaluate.set_defaults(func=run_evaluation)

    demo = subparsers.add_parser(
        "demo",
        help="Generate the demo city into data/ if there is none, run the nightly job once and "
        "print what loaded, what was rejected and why, and where every output is.",
    )
    demo.add_argument("--households", type=int, default=2000)
    demo.add_argument("--seed", type=int, default=20150901)
    demo.set_defaults(func=run_demo)

    ui = subparsers.add_parser("ui", help="The Dagster UI on 127.0.0.1 (workspace.yaml).")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=run_ui)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def run_nightly(args: argparse.Namespace | None = None) -> int:
    """Run the `nightly` job through the instance's run queue (run_queue.py), one line per
    stage as it goes; then, in a synthetic city, the `evaluation` job (after the night, which
    is served by then); then the summary. 0 if every step of both succeeded."""
    from orchestration.platform.dagster_home import ensure_dagster_home

    ensure_dagster_home()
    import dagster as dg

    from orchestration.platform.jobs import NIGHTLY_JOB_NAME, TRIGGER_TAG
    from orchestration.platform.progress import StageProgress
    from orchestration.platform.recovery import fail_abandoned_runs, run_tags
    from orchestration.platform.run_queue import (
        enqueue_job_run,
        queue_daemon_running,
        run_queued_job,
    )

    if paths.warehouse_path().exists():
        # Wait for (or name) another writer now, rather than fail mid-run on its lock.
        try:
            connect_warehouse(paths.warehouse_path()).close()
        except WarehouseBusyError as error:
            print(f"families nightly: {error}", file=sys.stderr)
            return 3
    started_at = _utc_now()
    clock = time.perf_counter()
    print("Nightly job: loading the definitions and queueing the run ...", flush=True)
    with dg.DagsterInstance.get() as instance:
        for run_id in fail_abandoned_runs(instance):
            print(f"Run {run_id} was killed part way: marked failed, its pool slot freed.")
        here = not queue_daemon_running(instance)
        run = enqueue_job_run(
            instance,
            NIGHTLY_JOB_NAME,
            # The terminal gets one line per stage; every step's log and dbt's progress stay
            # in the run's log (UI) and dbt's log files. Errors still show here.
            run_config=QUIET_CONSOLE,
            # A run this process executes carries its pid, for recovery after a SIGKILL.
            tags={TRIGGER_TAG: "command_line", **(run_tags() if here else {})},
        )
        print(f"Run {run.run_id} queued; stages as they finish:", flush=True)
        # The terminal itself: a dbt step redirects sys.stdout to its progress.log meanwhile.
        terminal = sys.stdout
        with StageProgress(
            instance, run, write=lambda line: print(line, file=terminal, flush=True)
        ):
            run = run_queued_job(instance, run, execute_here=here, on_wait=print)
        seconds = time.perf_counter() - clock
        print_run_status(instance, run, seconds)
        evaluated = True
        night_ok = run.status == dg.DagsterRunStatus.SUCCESS
        if night_ok and paths.has_truth() and not getattr(args, "no_evaluation", False):
            # After the night, never inside it: the list above is already served. Run here
            # so the summary below reports this night's accuracy.
            evaluated = _evaluate(instance, evaluated_run=run.run_id)
    print_summary(started_at)
    return 0 if night_ok and evaluated else 1


QUIET_CONSOLE = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}


def _evaluate(instance, evaluated_run: str | None = None) -> bool:
    """Run the evaluation job through the queue (as the night ran); print one line; True if
    it succeeded."""
    import dagster as dg

    from orchestration.platform.jobs import EVALUATION_JOB_NAME, TRIGGER_TAG
    from orchestration.platform.recovery import run_tags
    from orchestration.platform.run_queue import (
        enqueue_job_run,
        queue_daemon_running,
        run_queued_job,
    )
    from orchestration.platform.sensors import EVALUATED_RUN_TAG

    clock = time.perf_counter()
    here = not queue_daemon_running(instance)
    run = enqueue_job_run(
        instance,
        EVALUATION_JOB_NAME,
        run_config=QUIET_CONSOLE,
        tags={
            TRIGGER_TAG: "command_line",
            **({EVALUATED_RUN_TAG: evaluated_run} if evaluated_run else {}),
            **(run_tags() if here else {}),
        },
    )
    run = run_queued_job(instance, run, execute_here=here, on_wait=print)
    seconds = time.perf_counter() - clock
    ok = run.status == dg.DagsterRunStatus.SUCCESS
    outcome = "done" if ok else "FAILED (the night above is served all the same)"
    print(f"  Evaluation against the synthetic truth {outcome}: {seconds:.1f} s, run {run.run_id}.")
    return ok


def run_evaluation(args: argparse.Namespace | None = None) -> int:
    """Run the `evaluation` job once (the last night against the synthetic truth); 0 if it
    succeeded, 2 if there is no truth to evaluate against."""
    from orchestration.platform.dagster_home import ensure_dagster_home

    ensure_dagster_home()
    import dagster as dg

    if not paths.has_truth():
        print(f"families evaluate: no synthetic truth in {paths.truth_dir()}", file=sys.stderr)
        return 2
    with dg.DagsterInstance.get() as instance:
        ok = _evaluate(instance)
    return 0 if ok else 1


def run_demo(args: argparse.Namespace) -> int:
    """Generate the demo city if data/landing has no files, then run nightly once."""
    landing = paths.landing_dir()
    has_files = landing.is_dir() and any(p.is_file() for p in landing.rglob("*"))
    if has_files:
        print(f"Using the extracts already in {landing} (delete data/ to regenerate).")
    else:
        print(
            f"No extracts in {landing}: generating the demo city "
            f"({args.households} households, seed {args.seed})."
        )
        code = _run_synth(args.households, args.seed)
        if code:
            return code
    return run_nightly(args)


def _run_synth(households: int, seed: int) -> int:
    # Through the `families synth` sub-command, so the generator's own defaults apply.
    from orchestration.cli import build_parser

    parser = build_parser()
    subcommands = next(
        (a.choices for a in parser._actions if isinstance(a, argparse._SubParsersAction)), {}
    )
    if "synth" not in subcommands:
        print(
            "The synthetic city generator (orchestration.synth, `families synth`) is not "
            "available, and data/landing has no extracts: nothing to load.",
            file=sys.stderr,
        )
        return 2
    args = parser.parse_args(["synth", "--households", str(households), "--seed", str(seed)])
    return int(args.func(args) or 0)


def run_ui(args: argparse.Namespace) -> int:
    """Replace this process with `dg dev` on 127.0.0.1, loaded through workspace.yaml."""
    from orchestration.platform.dagster_home import ensure_dagster_home

    ensure_dagster_home()
    dg_command = Path(sys.executable).parent / "dg"
    os.chdir(paths.REPO_ROOT)
    # Started from a non-interactive shell these arrive ignored, and `dagster dev` would then
    # ignore TERM and orphan its children on KILL: restore the defaults before exec.
    # (`dg dev`: `dagster dev` warns that it is superseded by it.)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    argv = [str(dg_command), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(args.port)]
    os.environ["VIRTUAL_ENV"] = str(Path(sys.executable).parent.parent)  # dg checks it
    print(f"Dagster UI: http://127.0.0.1:{args.port}  (DAGSTER_HOME={os.environ['DAGSTER_HOME']})")
    sys.stdout.flush()
    os.execv(argv[0], argv)
    return 0  # not reached
