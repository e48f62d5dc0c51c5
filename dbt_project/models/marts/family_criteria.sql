-- Each family against each criterion: met or not, by which indicators, on which records,
-- and why, with the rule-set version that decided it.
with

family_criteria as (

    select * from {{ ref('int_family_criteria') }}

),

final as (

    select
        family_id || ':' || criterion_code as family_criterion_id,
        family_id,
        household_id,
        uprn,
        criterion_code,
        criterion_name,
        is_met,
        is_met_by_absent_parent,
        indicator_codes,
        evidence_record_ids,
        first_event_on,
        last_event_on,
        reason,
        rule_set_version,
        as_at_date,
        is_assessed,
        unavailable_sources,

    from family_criteria

)

select * from final
