-- Each family against each criterion of the rule set. A criterion is met by any indicator
-- hit of a household member. An absent parent counts for one problem only: of the criteria
-- only their hits would meet, the first (lowest code) is counted and the rest are shown as
-- evidence but not counted. A criterion not met while a source it reads is missing or
-- overdue (int_criterion_coverage) is "not assessed", not "not met": is_assessed is false.
with

families as (

    select * from {{ ref('int_families') }}

),

criteria as (

    select * from {{ ref('criteria') }}

),

parameters as (

    select * from {{ ref('int_run_parameters') }}

),

family_events as (

    select * from {{ ref('int_family_indicator_events') }}

),

criterion_coverage as (

    select * from {{ ref('int_criterion_coverage') }}

),

by_criterion as (

    select
        family_id,
        criterion_code,
        bool_or(not is_absent_parent) as has_member_evidence,
        bool_or(is_absent_parent) as has_absent_parent_evidence,
        list(distinct indicator_code order by indicator_code) as indicator_codes,
        list(distinct indicator_code order by indicator_code) filter (where not is_absent_parent) as member_indicator_codes,
        flatten(list(evidence_record_ids)) as evidence_record_ids,
        string_agg(
            distinct indicator_code || ' (' || case when is_absent_parent then 'absent parent' else 'household member' end
                || '): ' || reason,
            ' | ' order by indicator_code || ' (' || case when is_absent_parent then 'absent parent' else 'household member' end
                || '): ' || reason
        ) as reasons,
        min(first_event_on) as first_event_on,
        max(event_on) as last_event_on,

    from family_events
    group by family_id, criterion_code

),

absent_parent_pick as (

    select
        family_id,
        criterion_code,
        row_number() over (partition by family_id order by criterion_code) = 1 as is_absent_parent_counted,

    from by_criterion
    where has_absent_parent_evidence and not has_member_evidence

),

grid as (

    select
        families.family_id,
        families.household_id,
        families.uprn,
        criteria.criterion_code,
        criteria.criterion_name,
        parameters.rule_set_version,
        parameters.as_at_date,

    from families
    cross join parameters
    inner join criteria
        on criteria.rule_set_version = parameters.rule_set_version

),

assessed as (

    select
        grid.*,
        coalesce(by_criterion.has_member_evidence, false) as has_member_evidence,
        coalesce(by_criterion.has_absent_parent_evidence, false) as has_absent_parent_evidence,
        coalesce(by_criterion.has_member_evidence, false)
            or coalesce(absent_parent_pick.is_absent_parent_counted, false) as is_met,
        coalesce(absent_parent_pick.is_absent_parent_counted, false) as is_met_by_absent_parent,
        coalesce(by_criterion.indicator_codes, []) as indicator_codes,
        coalesce(by_criterion.evidence_record_ids, []) as evidence_record_ids,
        by_criterion.first_event_on,
        by_criterion.last_event_on,
        case
            when by_criterion.has_member_evidence then 'met: ' || by_criterion.reasons
            when absent_parent_pick.is_absent_parent_counted
                then 'met through an absent parent (counted for one problem only): ' || by_criterion.reasons
            when by_criterion.has_absent_parent_evidence
                then 'not counted: only an absent parent''s records, and the absent parent is already counted for another problem: ' || by_criterion.reasons
            when coalesce(criterion_coverage.has_unavailable_source, false)
                then 'not assessed: no current extract from '
                    || array_to_string(criterion_coverage.unavailable_sources, ', ')
            else 'not met: no qualifying record of any household member'
        end as reason,
        is_met or not coalesce(criterion_coverage.has_unavailable_source, false) as is_assessed,
        coalesce(criterion_coverage.unavailable_sources, []) as unavailable_sources,

    from grid
    left join by_criterion
        on grid.family_id = by_criterion.family_id
        and grid.criterion_code = by_criterion.criterion_code
    left join absent_parent_pick
        on grid.family_id = absent_parent_pick.family_id
        and grid.criterion_code = absent_parent_pick.criterion_code
    left join criterion_coverage
        on grid.criterion_code = criterion_coverage.criterion_code

)

select * from assessed
