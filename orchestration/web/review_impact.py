"""How much a review decision can change the list: the queue's order, from the published night.

A decision splits a person the model joined ("different people") or joins two it kept
apart ("same person"). The rule, per queued pair and each family that either record's
person belongs to (as a member or an absent parent), with the family's criteria met and the
rule set's minimum (reference.rule_sets):

- 3, can change eligibility: a split, where a pair record is evidence for a met criterion
  of a family exactly at the minimum (it could drop off the list); or a join, where the
  other person carries a criterion the family does not meet and the family is one short
  (it could join the list).
- 2, can change an eligible family's criteria: as above, for a family above the minimum
  (a split) or already eligible (a join): its criteria, priority and cost could change.
- 1, touches a family that is eligible or one criterion short, with no evidence at stake.
- 0, no family at stake.

The queue shows the highest score first, then the most uncertain pair (smallest absolute
match weight). Limits: a person's own criteria are known only through
marts.indicator_events, that is for persons already in a family; and a split is scored as
if the pair record's evidence could leave with it (which side keeps the person id is decided
by the next night).
"""

from __future__ import annotations

import duckdb

IMPACT_LABELS = {
    3: "Can change eligibility",
    2: "Can change an eligible family's criteria",
    1: "Touches a family at or near the list",
    0: "",
}

_SCORED_QUEUE = """
with
pairs as (
    select q.record_id_l, q.record_id_r, q.match_probability, q.match_weight, q.queued_at,
           rl.person_id as person_l, rr.person_id as person_r
    from linkage.review_queue q
    left join linkage.review_records rl on rl.record_id = q.record_id_l
    left join linkage.review_records rr on rr.record_id = q.record_id_r
),
queued_persons as (
    select person_l as person_id from pairs union select person_r from pairs
),
membership as (
    select family_id, person_id
    from (
        select family_id, unnest(list_concat(coalesce(person_ids, []),
                                             coalesce(absent_parent_person_ids, []))) as person_id
        from marts.families
    )
    where person_id in (select person_id from queued_persons)
),
family_status as (
    select c.family_id,
           count(*) filter (where c.is_met) as met,
           any_value(r.min_criteria) as need,
           coalesce(list(c.criterion_code) filter (where c.is_met), []) as met_codes,
           coalesce(flatten(list(c.evidence_record_ids) filter (where c.is_met)), [])
               as met_evidence
    from marts.family_criteria c
    join reference.rule_sets r using (rule_set_version)
    where c.family_id in (select family_id from membership)
    group by c.family_id
),
person_criteria as (
    select person_id, list(distinct criterion_code) as codes
    from marts.indicator_events
    where person_id in (select person_id from queued_persons)
    group by person_id
),
touched as (
    select p.record_id_l, p.record_id_r, s.met, s.need,
           p.person_l = p.person_r as is_split,
           list_has_any(s.met_evidence, [p.record_id_l, p.record_id_r]) as evidence_at_stake,
           len(list_filter(coalesce(o.codes, []), code -> not list_contains(s.met_codes, code)))
               > 0 as join_adds_a_criterion
    from pairs p
    join membership m on m.person_id in (p.person_l, p.person_r)
    join family_status s using (family_id)
    left join person_criteria o
      on o.person_id = case when m.person_id = p.person_l then p.person_r else p.person_l end
),
scored as (
    select record_id_l, record_id_r, max(case
        when is_split and evidence_at_stake and met = need then 3
        when not is_split and join_adds_a_criterion and met = need - 1 then 3
        when is_split and evidence_at_stake and met > need then 2
        when not is_split and join_adds_a_criterion and met >= need then 2
        when met >= need - 1 then 1
        else 0 end) as impact
    from touched
    group by record_id_l, record_id_r
)
select p.record_id_l, p.record_id_r, p.match_probability, p.match_weight, p.queued_at,
       p.person_l, p.person_r, coalesce(s.impact, 0) as impact
from pairs p
left join scored s using (record_id_l, record_id_r)
order by impact desc, abs(p.match_weight), p.record_id_l, p.record_id_r
"""

# A night published before linkage.review_records existed: no persons, so no impact; the
# old rule (a record is evidence for a flag) still orders the pairs.
_EVIDENCE_ONLY_QUEUE = """
with evidence as (
    select distinct record_id
    from marts.indicator_events, unnest(evidence_record_ids) as t(record_id)
)
select q.record_id_l, q.record_id_r, q.match_probability, q.match_weight, q.queued_at,
       null as person_l, null as person_r,
       case when q.record_id_l in (select record_id from evidence)
             or q.record_id_r in (select record_id from evidence) then 2 else 0 end as impact
from linkage.review_queue q
order by impact desc, abs(q.match_weight), q.record_id_l, q.record_id_r
"""


def scored_queue(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every queued pair with its impact score (above), highest impact first."""
    has_records = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'linkage' and table_name = 'review_records'"
    ).fetchone()[0]
    cursor = con.execute(_SCORED_QUEUE if has_records else _EVIDENCE_ONLY_QUEUE)
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        row["impact_label"] = IMPACT_LABELS[row["impact"]]
    return rows
