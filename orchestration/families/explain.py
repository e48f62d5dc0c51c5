"""`families explain <family_id>`: why a family is or is not eligible, in words a keyworker,
a manager or the family can check: each criterion, its indicators (described, with their
window, sources and legal gateways named once), who they were found for and the records
behind them.

Reads the published night (family_explanation.py, the same reading the web family page
shows); prints person ids and record ids, never names.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.families.family_explanation import (
    Criterion,
    FamilyExplanation,
    family_explanation,
)


class FamilyNotFound(LookupError):
    """No family with that id in marts.families (the message says what to try)."""


def _open(db: Path | None) -> duckdb.DuckDBPyConnection:
    """The published night (what users are served; never waits on a running night), or the
    file `db` read-only when one is named (tests, a copy kept for audit)."""
    if db is None:
        from orchestration.published import open_published

        return open_published()
    if not Path(db).exists():
        raise FileNotFoundError(f"{db}: no such warehouse file")
    return duckdb.connect(str(db), read_only=True)


def explain_family(family_id: str, db: Path | None = None) -> str:
    """The explanation of one family as plain text."""
    with _open(db) as con:
        explanation = family_explanation(con, family_id)
        if explanation is None:
            hint = con.execute(
                "select family_id from marts.families where family_id ilike ? "
                "order by family_id limit 5",
                [f"%{family_id}%"],
            ).fetchall()
            suggestion = f" Did you mean: {', '.join(r[0] for r in hint)}?" if hint else ""
            raise FamilyNotFound(
                f"no family {family_id!r} in the published night.{suggestion} Family ids "
                "look like FAM-<UPRN>; see data/outputs/eligible_families.csv."
            )
    return render_explanation(explanation)


def render_explanation(e: FamilyExplanation) -> str:
    """The explanation as the plain text `families explain` prints."""
    family, rule_set = e.family, e.rule_set
    lines = [
        f"Family {family['family_id']} (household {family['household_id']}, UPRN {family['uprn']})",
        f"As at {family['as_at_date']}, rule set {rule_set['rule_set_version']} "
        f"({rule_set['rule_set_name']}).",
    ]
    needed = rule_set.get("min_criteria") or "?"
    verdict = "ELIGIBLE" if e.eligible else "NOT ELIGIBLE"
    summary = (
        f"{verdict}: {e.met_count} of {len(e.criteria)} criteria met (at least {needed} needed)"
    )
    if e.priority:
        p = e.priority
        summary += (
            f"; priority rank {p['priority_rank']}; estimated annual cost to public services "
            f"GBP {p['estimated_annual_cost_gbp']:,.0f} ({p['cost_price_year']} prices)"
        )
    lines.append(summary + ".")
    if e.change:
        lines.append(_change_text(e.change))
    lines += ["", "Members (age on the as-at date):"]
    for m in e.members:
        age = f"{m.age_years}" if m.age_years is not None else "age not known"
        age = "" if m.role.startswith("absent parent") else f", {age}"
        lines.append(f"  {m.person_id}: {m.role}{age}")
        if m.placed_by_inference:
            # Placement by inference is the likeliest mistake in a household: say so.
            lines.append(
                f"     placed here by inference ({m.placed_by_inference}): check before acting"
            )
    for criterion in e.criteria:
        lines += ["", *_criterion_lines(criterion)]
    if e.services:
        lines += ["", "Services involved (records of household members):"]
        for s in e.services:
            current = "current" if s["is_current"] else "past"
            lines.append(
                f"  {s['source_name']}: {s['record_count']} record(s), "
                f"{s['first_contact_on']} to {s['last_contact_on']} ({current})"
            )
    lines += [
        "",
        "Advisory only: a person decides. Record ids can be looked up in each agency's system.",
    ]
    return "\n".join(lines)


def _change_text(change: dict) -> str:
    if change["change"] == "first list":
        return "Since the last list: this is the first published list."
    if change["change"] == "left":
        return f"Since the last list: left it ({change['left_reason']})."
    extra = f" ({change['what_changed']})" if change["what_changed"] else ""
    return f"Since the last list: {change['change']}{extra}."


def _criterion_lines(c: Criterion) -> list[str]:
    if c.is_met:
        mark = "MET through an absent parent" if c.is_met_by_absent_parent else "MET"
    elif not c.is_assessed:
        mark = "NOT ASSESSED"
    else:
        mark = "not met"
    lines = [f"Criterion {c.code}: {c.name} [{mark}]"]
    if not c.indicators:
        if not c.is_assessed:
            lines.append("  no current extract from " + "; ".join(c.unavailable_sources))
        else:
            lines.append("  no qualifying record for any household member")
    for ind in c.indicators:
        lines.append(f"  {ind.code} {ind.description} (window {ind.window})")
        lines.append(f"     from: {'; '.join(ind.sources)}")
        lines.append(f"     shared under: {'; '.join(ind.gateways)}")
        for f in ind.findings:
            who = "absent parent" if f.is_absent_parent else "member"
            lines.append(f"     {who} {f.person_id}: {'; '.join(f.details)}")
            lines.append(
                f"        {f.record_count} record(s), {f.first_event_on} to {f.event_on}: "
                + ", ".join(f.evidence_record_ids)
            )
    if c.is_met_by_absent_parent:
        lines.append(
            "  counted through the absent parent: an absent parent counts for one problem only"
        )
    elif c.not_counted_why:
        lines.append(f"  not counted: {c.not_counted_why}")
    return lines
