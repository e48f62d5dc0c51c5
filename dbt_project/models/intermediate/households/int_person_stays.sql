-- Residence histories: each person's stays at each UPRN, from the dated records that placed
-- them there (only confident address matches), up to the as-at date.
with

record_persons as (

    select * from {{ ref('int_record_persons') }}

),

parameters as (

    select * from {{ ref('int_run_parameters') }}

),

stays as (

    select
        record_persons.person_id,
        record_persons.uprn,
        min(record_persons.event_on) as first_seen_on,
        max(record_persons.event_on) as last_seen_on,
        count(*) as record_count,
        count(distinct record_persons.source_dataset) as source_count,

    from record_persons
    cross join parameters
    where record_persons.uprn is not null
        and record_persons.event_on <= parameters.as_at_date
    group by record_persons.person_id, record_persons.uprn

)

select * from stays
