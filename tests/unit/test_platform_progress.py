"""Progress lines: one per stage once all its steps have ended, read from a real run's log."""

from __future__ import annotations

import dagster as dg

from orchestration.platform.progress import StageProgress


@dg.asset(key=["raw", "police__offences"])
def offences() -> None:
    pass


@dg.asset(key=["raw", "nhs__maternity"])
def maternity() -> None:
    pass


@dg.asset(key=["linkage", "person_index"], deps=[offences, maternity])
def person_index() -> None:
    pass


@dg.asset(key=["retention", "disposals"])
def disposals() -> None:
    """A step no bench stage knows yet: shown as "other", not an error."""


def test_each_stage_is_printed_once_when_its_last_step_ends():
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([offences, maternity, person_index, disposals], instance=instance)
    run = instance.get_run_by_id(result.run_id)
    printed: list[str] = []
    progress = StageProgress(instance, run, write=printed.append)
    progress.poll()
    progress.poll()  # nothing new: nothing printed twice
    assert [line.split()[:2] for line in printed] == [
        ["[1/3]", "load"],
        ["[2/3]", "persons"],
        ["[3/3]", "other"],
    ]
    assert printed[0].endswith("2 steps") and printed[1].endswith("1 step")
    assert all(" s " in line for line in printed)
