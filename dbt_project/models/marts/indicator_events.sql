-- One row per indicator hit of a family member (or absent parent): the person, household,
-- indicator, source, date, evidence record ids, rule-set version and legal gateways.
with

family_events as (

    select * from {{ ref('int_family_indicator_events') }}

),

final as (

    select
        family_id || ':' || person_id || ':' || indicator_code as indicator_event_id,
        family_id,
        household_id,
        person_id,
        is_absent_parent,
        indicator_code,
        criterion_code,
        source_datasets as source_dataset,
        event_on,
        first_event_on,
        record_count,
        evidence_record_ids,
        rule_set_version,
        legal_gateways,
        window_kind,
        window_started_on,
        as_at_date,
        reason,

    from family_events

)

select * from final
