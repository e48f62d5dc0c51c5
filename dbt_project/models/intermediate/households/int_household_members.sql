-- Household membership as at the as-at date: the households int_households formed from
-- co-residence evidence (one per UPRN unless the evidence shows several). Each member's age and whether they are a dependent child as FF2015
-- defines one: aged 0-15, or 16-18 and in full-time education or training, or unemployed.
-- A 16-18 year-old is taken as dependent unless NCCIS (the latest snapshot) records an
-- activity that is neither (employment without training, not known: codes outside DEP in the
-- indicator_codes seed) and they are not on the school roll.
with

addresses as (

    select * from {{ ref('int_person_addresses') }}

),

households as (

    select * from {{ ref('int_households') }}

),

persons as (

    select * from {{ ref('int_persons') }}

),

record_persons as (

    select * from {{ ref('int_record_persons') }}

),

-- Snapshot sources: the latest extract as at the date is the population as it stood then.
school_census as (

    {{ latest_snapshot_as_at('stg_council_education__school_census') }}

),

child_health as (

    {{ latest_snapshot_as_at('stg_nhs__child_healths') }}

),

neet as (

    {{ latest_snapshot_as_at('stg_council_education__neets') }}

),

indicator_codes as (

    select * from {{ ref('indicator_codes') }}

),

parameters as (

    select * from {{ ref('int_run_parameters') }}

),

on_school_roll as (

    select distinct record_persons.person_id
    from school_census
    inner join record_persons
        on school_census.record_id = record_persons.record_id

),

on_child_health as (

    select distinct record_persons.person_id
    from child_health
    inner join record_persons
        on child_health.record_id = record_persons.record_id

),

not_in_education_or_training as (

    select distinct record_persons.person_id
    from neet
    inner join record_persons
        on neet.record_id = record_persons.record_id
    left join indicator_codes
        on indicator_codes.indicator_code = 'DEP'
        and indicator_codes.field = 'activity_code'
        and neet.activity_code = indicator_codes.code
    where indicator_codes.code is null

),

members as (

    select
        households.household_id,
        addresses.uprn,
        addresses.person_id,
        addresses.address_since_on,
        -- How the person was placed here when no record of theirs did it alone (explained
        -- to keyworkers: an inferred member is worth checking).
        case
            when addresses.is_placed_with_children then 'moved with their children'
            when addresses.is_placed_by_postcode_and_surname
                then 'latest postcode and a resident''s surname or former address'
        end as placed_by_inference,
        persons.dob,
        persons.sex,
        {{ age_on('persons.dob', 'parameters.as_at_date') }} as age_years,
        on_school_roll.person_id is not null as is_on_school_roll,
        on_child_health.person_id is not null as is_on_child_health,
        not_in_education_or_training.person_id is not null as has_non_dependent_activity,
        parameters.as_at_date,

    from addresses
    cross join parameters
    inner join households
        on addresses.person_id = households.person_id
    inner join persons
        on addresses.person_id = persons.person_id
    left join on_school_roll
        on addresses.person_id = on_school_roll.person_id
    left join on_child_health
        on addresses.person_id = on_child_health.person_id
    left join not_in_education_or_training
        on addresses.person_id = not_in_education_or_training.person_id

),

classified as (

    select
        *,
        is_on_school_roll or is_on_child_health as is_in_baseline,
        coalesce(age_years between 0 and 15, false)
            or coalesce(
                age_years between 16 and 18 and (is_on_school_roll or not has_non_dependent_activity),
                false
            ) as is_dependent_child,
        coalesce(age_years >= 18, false) as is_adult,

    from members

)

select * from classified
