-- Criterion 6 (health): the records that qualify for 6A-6C.
with

mental_health as (

    {{ rows_as_at('stg_nhs__mental_healths') }}

),

substance_misuse as (

    {{ rows_as_at('stg_nhs__substance_misuses') }}

),

record_persons as (

    select * from {{ ref('int_record_persons') }}

),

rules as (

    select * from {{ ref('int_indicator_rules') }}

),

codes as (

    select * from {{ ref('indicator_codes') }}

),

-- 6A: open to an adult secondary mental health team during the window.
mental_health_problem as (

    select
        record_persons.person_id,
        rules.indicator_code,
        mental_health.source_dataset,
        mental_health.record_id,
        mental_health.dob as record_dob,
        mental_health.referred_on as event_on,
        'referred to ' || mental_health.team_type || ' on ' || mental_health.referred_on
            || coalesce(', discharged ' || mental_health.discharged_on, ', still open') as detail,

    from mental_health
    inner join record_persons
        on mental_health.record_id = record_persons.record_id
    inner join codes
        on codes.indicator_code = '6A'
        and codes.field = 'team_type'
        and mental_health.team_type = codes.code
    inner join rules
        on rules.indicator_code = '6A'
    where {{ overlaps_window('mental_health.referred_on', 'mental_health.discharged_on', 'rules') }}

),

-- 6B (incident, dated) and 6C (in treatment, open in the window).
substance as (

    select
        record_persons.person_id,
        rules.indicator_code,
        substance_misuse.source_dataset,
        substance_misuse.record_id,
        substance_misuse.dob as record_dob,
        substance_misuse.started_on as event_on,
        lower(substance_misuse.substance) || ' ' || lower(substance_misuse.record_type) || ' from '
            || substance_misuse.started_on
            || case
                when substance_misuse.record_type = 'TREATMENT'
                    then coalesce(' to ' || substance_misuse.discharged_on, ', still in treatment')
                else ''
            end as detail,

    from substance_misuse
    inner join record_persons
        on substance_misuse.record_id = record_persons.record_id
    inner join codes
        on codes.indicator_code in ('6B', '6C')
        and codes.field = 'record_type'
        and substance_misuse.record_type = codes.code
    inner join rules
        on rules.indicator_code = codes.indicator_code
    where {{ overlaps_window(
        'substance_misuse.started_on',
        "case when substance_misuse.record_type = 'TREATMENT' then substance_misuse.discharged_on else substance_misuse.started_on end",
        'rules'
    ) }}

)

select * from mental_health_problem
union all
select * from substance
