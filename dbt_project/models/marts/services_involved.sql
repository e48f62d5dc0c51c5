-- Which agencies work, or have worked, with each family and when: per family member's
-- records, by source, the first and latest dates and whether contact is recent.
with

families as (

    select * from {{ ref('int_families') }}

),

members as (

    select * from {{ ref('int_household_members') }}

),

record_persons as (

    select * from {{ ref('int_record_persons') }}

),

parameters as (

    select * from {{ ref('int_run_parameters') }}

),

contacts as (

    select
        families.family_id,
        record_persons.agency,
        record_persons.source_dataset,
        count(distinct record_persons.person_id) as person_count,
        count(*) as record_count,
        min(record_persons.event_on) as first_contact_on,
        max(record_persons.event_on) as last_contact_on,
        max(record_persons.event_on) >= parameters.as_at_date - to_months({{ var('recent_contact_months', 3) }}) as is_current,

    from families
    cross join parameters
    inner join members
        on families.household_id = members.household_id
    inner join record_persons
        on members.person_id = record_persons.person_id
    where record_persons.event_on <= parameters.as_at_date
    group by families.family_id, record_persons.agency, record_persons.source_dataset, parameters.as_at_date

),

final as (

    select
        family_id || ':' || source_dataset as family_service_id,
        *,

    from contacts

)

select * from final
