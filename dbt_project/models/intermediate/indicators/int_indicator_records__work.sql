-- Criterion 4 (worklessness and financial exclusion): the records that qualify for 4A-4E.
-- Snapshot sources speak for their extract date: what is on the latest one is current.
with

benefits as (

    {{ latest_snapshot_as_at('stg_dwp__out_of_work_benefits') }}

),

neet as (

    {{ latest_snapshot_as_at('stg_council_education__neets') }}

),

benefit_cap as (

    {{ latest_snapshot_as_at('stg_council_revenues__benefit_caps') }}

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

-- 4A: an out-of-work benefit claim live in the window.
out_of_work as (

    select
        record_persons.person_id,
        rules.indicator_code,
        benefits.source_dataset,
        benefits.record_id,
        benefits.dob as record_dob,
        benefits.started_on as event_on,
        benefits.benefit_type || ' claim from ' || benefits.started_on
            || coalesce(' to ' || benefits.ended_on, ', live at the ' || benefits.extracted_on || ' extract') as detail,

    from benefits
    inner join record_persons
        on benefits.record_id = record_persons.record_id
    inner join rules
        on rules.indicator_code = '4A'
    where {{ overlaps_window('benefits.started_on', 'benefits.ended_on', 'rules') }}

),

-- 4B: flagged at risk of NEET (RONI) on the latest NCCIS snapshot.
risk_of_neet as (

    select
        record_persons.person_id,
        rules.indicator_code,
        neet.source_dataset,
        neet.record_id,
        neet.dob as record_dob,
        neet.extracted_on as event_on,
        'at risk of NEET on the ' || neet.reporting_period || ' caseload' as detail,

    from neet
    inner join record_persons
        on neet.record_id = record_persons.record_id
    inner join rules
        on rules.indicator_code = '4B'
    where neet.is_risk_of_neet
        and {{ overlaps_window('neet.extracted_on', 'null', 'rules') }}

),

-- 4C: NEET activity on the latest NCCIS snapshot.
not_in_education as (

    select
        record_persons.person_id,
        rules.indicator_code,
        neet.source_dataset,
        neet.record_id,
        neet.dob as record_dob,
        neet.extracted_on as event_on,
        codes.meaning || ' on the ' || neet.reporting_period || ' caseload'
            || coalesce(' since ' || neet.activity_started_on, '') as detail,

    from neet
    inner join record_persons
        on neet.record_id = record_persons.record_id
    inner join codes
        on codes.indicator_code = '4C'
        and codes.field = 'activity_code'
        and neet.activity_code = codes.code
    inner join rules
        on rules.indicator_code = '4C'
    where {{ overlaps_window('neet.extracted_on', 'null', 'rules') }}

),

-- 4E: housing benefit reduced by the benefit cap on the latest snapshot.
capped as (

    select
        record_persons.person_id,
        rules.indicator_code,
        benefit_cap.source_dataset,
        benefit_cap.record_id,
        benefit_cap.dob as record_dob,
        benefit_cap.cap_started_on as event_on,
        'benefit cap applied from ' || benefit_cap.cap_started_on || ' (' || benefit_cap.period || ' extract)' as detail,

    from benefit_cap
    inner join record_persons
        on benefit_cap.record_id = record_persons.record_id
    inner join rules
        on rules.indicator_code = '4E'
    where {{ overlaps_window('benefit_cap.cap_started_on', 'null', 'rules') }}

)

select * from out_of_work
union all
select * from risk_of_neet
union all
select * from not_in_education
union all
select * from capped
