"""An as-at date and a rule set checked before dbt runs, with a message a person can act on
(a malformed date used to surface only as a dbt runtime error, after the marts were rebuilt)."""

from __future__ import annotations

import csv
import datetime as dt
import re

from orchestration import paths

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class InvalidRunParameters(ValueError):
    """An as-at date or rule set no build can use; the message says which and why."""


def known_rule_sets() -> list[str]:
    """Rule set versions in the rule_sets seed (the one place they are declared)."""
    seed = paths.dbt_project_dir() / "seeds" / "rule_sets.csv"
    with seed.open(encoding="utf-8", newline="") as handle:
        return [row["rule_set_version"] for row in csv.DictReader(handle)]


def validate_run_parameters(
    as_at_date: str | None, rule_set: str | None, today: dt.date | None = None
) -> None:
    """Raise InvalidRunParameters unless `as_at_date` (if given) is a real YYYY-MM-DD date
    not in the future and `rule_set` (if given) is declared in the rule_sets seed."""
    if as_at_date is not None:
        if not _ISO_DATE.fullmatch(as_at_date):
            raise InvalidRunParameters(
                f"as-at date {as_at_date!r} is not of the form YYYY-MM-DD (e.g. 2017-03-31)"
            )
        try:
            date = dt.date.fromisoformat(as_at_date)
        except ValueError as error:
            raise InvalidRunParameters(
                f"as-at date {as_at_date!r} is not a date: {error}"
            ) from None
        today = today or dt.date.today()
        if date > today:
            raise InvalidRunParameters(
                f"as-at date {as_at_date} is in the future (today is {today.isoformat()}): "
                "criteria can only be judged on what has happened"
            )
    if rule_set is not None and rule_set not in (known := known_rule_sets()):
        raise InvalidRunParameters(
            f"rule set {rule_set!r} is not one of {', '.join(known)} "
            "(dbt_project/seeds/rule_sets.csv)"
        )
