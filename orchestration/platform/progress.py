"""One line per stage of a run as it finishes (load, validate, addresses, persons, dbt,
reports), with its steps and time, read from the run's event log while the run goes on.

Dagster's console log (every step's events and dbt's own progress, about 330 lines for the
demo) stays in the run's log in the UI and in dbt's log files; the terminal gets this.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import dagster as dg

from orchestration.bench.stages import STAGES, stage_of

STEP_EVENTS = {
    dg.DagsterEventType.STEP_START,
    dg.DagsterEventType.STEP_SUCCESS,
    dg.DagsterEventType.STEP_FAILURE,
}
# Steps no bench stage names yet (a new asset) are shown as "other" rather than stop the run.
OTHER = "other"
RUN_STAGES = [*(s for s in STAGES if s != "generate"), OTHER]


def run_stage(step_key: str) -> str:
    try:
        return stage_of(step_key)
    except ValueError:
        return OTHER


class StageProgress:
    """Follows a run's step events (`poll()`, or a thread while in a `with` block) and prints
    each stage once all its steps have ended."""

    def __init__(
        self,
        instance: dg.DagsterInstance,
        run: dg.DagsterRun,
        write: Callable[[str], None] = print,
        poll_seconds: float = 1.0,
    ):
        self._instance, self._run_id, self._write = instance, run.run_id, write
        self._expected = Counter(run_stage(k) for k in run.step_keys_to_execute or [])
        self._ended: Counter[str] = Counter()
        self._failed: Counter[str] = Counter()
        self._seconds: Counter[str] = Counter()
        self._starts: dict[str, float] = {}
        self._printed: set[str] = set()
        self._cursor: str | None = None
        self._poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, daemon=True)

    def __enter__(self) -> StageProgress:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.poll()
        for stage in self._stages():
            if stage not in self._printed:  # steps that never ran (after a failure)
                ran = self._ended[stage]
                self._write(self._line(stage, f"{ran} of {self._expected[stage]} steps ran"))

    def _follow(self) -> None:
        while not self._stop.wait(self._poll_seconds):
            self.poll()

    def poll(self) -> None:
        """Read the step events since the last poll; print every stage now complete."""
        connection = self._instance.get_records_for_run(
            self._run_id, cursor=self._cursor, of_type=STEP_EVENTS
        )
        self._cursor = connection.cursor or self._cursor
        for record in connection.records:
            entry = record.event_log_entry
            kind = entry.dagster_event.event_type
            if kind == dg.DagsterEventType.STEP_START:
                self._starts[entry.step_key] = entry.timestamp
                continue
            stage = run_stage(entry.step_key)
            self._ended[stage] += 1
            self._failed[stage] += kind == dg.DagsterEventType.STEP_FAILURE
            started = self._starts.pop(entry.step_key, entry.timestamp)
            self._seconds[stage] += entry.timestamp - started
        for stage in self._stages():
            if stage not in self._printed and self._ended[stage] == self._expected[stage]:
                failed = f", {self._failed[stage]} FAILED" if self._failed[stage] else ""
                ended = self._ended[stage]
                self._write(self._line(stage, f"{ended} step{'s' * (ended != 1)}{failed}"))

    def _stages(self) -> list[str]:
        return [s for s in RUN_STAGES if self._expected[s]]

    def _line(self, stage: str, steps: str) -> str:
        self._printed.add(stage)
        number = self._stages().index(stage) + 1
        return (
            f"  [{number}/{len(self._stages())}] {stage:<10} {self._seconds[stage]:7.1f} s  {steps}"
        )
