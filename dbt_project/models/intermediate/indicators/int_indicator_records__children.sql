-- Criterion 3 (children who need help): the records that qualify for 3A-3H.
with

episodes as (

    {{ rows_as_at('stg_council_social_care__episodes') }}

),

maternity as (

    {{ rows_as_at('stg_nhs__maternities') }}

),

missing_episodes as (

    {{ rows_as_at('stg_police__missing_episodes') }}

),

homelessness as (

    {{ rows_as_at('stg_council_housing__homelessness') }}

),

exploitation as (

    {{ rows_as_at('stg_police__exploitation_risks') }}

),

record_persons as (

    select * from {{ ref('int_record_persons') }}

),

persons as (

    select * from {{ ref('int_persons') }}

),

rules as (

    select * from {{ ref('int_indicator_rules') }}

),

codes as (

    select * from {{ ref('indicator_codes') }}

),

-- 3A early help, 3B looked after, 3C child in need, 3D child protection plan.
social_care as (

    select
        record_persons.person_id,
        rules.indicator_code,
        episodes.source_dataset,
        episodes.record_id,
        episodes.dob as record_dob,
        episodes.started_on as event_on,
        codes.meaning || ' episode from ' || episodes.started_on
            || coalesce(' to ' || episodes.ended_on, ', still open') as detail,

    from episodes
    inner join record_persons
        on episodes.record_id = record_persons.record_id
    inner join codes
        on codes.indicator_code in ('3A', '3B', '3C', '3D')
        and codes.field = 'episode_type'
        and episodes.episode_type = codes.code
    inner join rules
        on rules.indicator_code = codes.indicator_code
    where {{ overlaps_window('episodes.started_on', 'episodes.ended_on', 'rules') }}

),

-- 3E: a maternity booking of a woman under 18 on the booking date.
teenage_pregnancy as (

    select
        record_persons.person_id,
        rules.indicator_code,
        maternity.source_dataset,
        maternity.record_id,
        maternity.dob as record_dob,
        maternity.booked_on as event_on,
        'maternity booking on ' || maternity.booked_on || ' aged '
            || {{ age_on('coalesce(maternity.dob, persons.dob)', 'maternity.booked_on') }} as detail,

    from maternity
    inner join record_persons
        on maternity.record_id = record_persons.record_id
    inner join persons
        on record_persons.person_id = persons.person_id
    inner join rules
        on rules.indicator_code = '3E'
    where {{ in_window('maternity.booked_on', 'rules') }}
        and {{ age_on('coalesce(maternity.dob, persons.dob)', 'maternity.booked_on') }} < 18

),

-- 3F: reported missing.
missing as (

    select
        record_persons.person_id,
        rules.indicator_code,
        missing_episodes.source_dataset,
        missing_episodes.record_id,
        missing_episodes.dob as record_dob,
        missing_episodes.event_date as event_on,
        'reported missing on ' || missing_episodes.event_date
            || ' (risk ' || lower(missing_episodes.risk_grade) || ')' as detail,

    from missing_episodes
    inner join record_persons
        on missing_episodes.record_id = record_persons.record_id
    inner join rules
        on rules.indicator_code = '3F'
    where {{ in_window('missing_episodes.event_date', 'rules') }}

),

-- 3G: applied in the window and found homeless (accepted, intentional or not in priority
-- need) by the as-at date.
homeless as (

    select
        record_persons.person_id,
        rules.indicator_code,
        homelessness.source_dataset,
        homelessness.record_id,
        homelessness.dob as record_dob,
        homelessness.applied_on as event_on,
        'homelessness application ' || homelessness.applied_on || ', decided '
            || homelessness.decided_on || ': ' || codes.meaning as detail,

    from homelessness
    inner join record_persons
        on homelessness.record_id = record_persons.record_id
    inner join codes
        on codes.indicator_code = '3G'
        and codes.field = 'decision'
        and homelessness.decision = codes.code
    inner join rules
        on rules.indicator_code = '3G'
    where {{ in_window('homelessness.applied_on', 'rules') }}
        and homelessness.decided_on <= rules.as_at_date

),

-- 3H: assessed at risk of sexual exploitation at a listed risk level.
sexual_exploitation as (

    select
        record_persons.person_id,
        rules.indicator_code,
        exploitation.source_dataset,
        exploitation.record_id,
        exploitation.dob as record_dob,
        exploitation.assessed_on as event_on,
        'exploitation risk assessment on ' || exploitation.assessed_on || ': '
            || exploitation.exploitation_type || ', ' || lower(exploitation.risk_level) as detail,

    from exploitation
    inner join record_persons
        on exploitation.record_id = record_persons.record_id
    inner join rules
        on rules.indicator_code = '3H'
    inner join codes as types
        on types.indicator_code = '3H'
        and types.field = 'exploitation_type'
        and exploitation.exploitation_type = types.code
    inner join codes as levels
        on levels.indicator_code = '3H'
        and levels.field = 'risk_level'
        and exploitation.risk_level = levels.code
    where {{ in_window('exploitation.assessed_on', 'rules') }}

)

select * from social_care
union all
select * from teenage_pregnancy
union all
select * from missing
union all
select * from homeless
union all
select * from sexual_exploitation
