-- Criterion 5 (domestic violence and abuse): the records that qualify for 5A-5C, by the
-- person's role in the incident (victim, perpetrator, child present at the call-out).
with

domestic_abuse as (

    {{ rows_as_at('stg_police__domestic_abuses') }}

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

qualifying as (

    select
        record_persons.person_id,
        rules.indicator_code,
        domestic_abuse.source_dataset,
        domestic_abuse.record_id,
        domestic_abuse.dob as record_dob,
        domestic_abuse.event_date as event_on,
        'domestic abuse incident on ' || domestic_abuse.event_date || ' as '
            || codes.meaning || ' (DASH ' || lower(coalesce(domestic_abuse.dash_risk, 'not recorded')) || ')' as detail,

    from domestic_abuse
    inner join record_persons
        on domestic_abuse.record_id = record_persons.record_id
    inner join codes
        on codes.indicator_code in ('5A', '5B', '5C')
        and codes.field = 'person_role'
        and domestic_abuse.person_role = codes.code
    inner join rules
        on rules.indicator_code = codes.indicator_code
    where {{ in_window('domestic_abuse.event_date', 'rules') }}

)

select * from qualifying
