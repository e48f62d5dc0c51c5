-- Criterion 2 (school attendance): the records that qualify for 2A-2D.
with

attendance as (

    {{ rows_as_at('stg_council_education__attendances') }}

),

exclusions as (

    {{ rows_as_at('stg_council_education__exclusions') }}

),

placements as (

    {{ rows_as_at('stg_council_education__alternative_provisions') }}

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

-- 2A: sessions missed over possible, summed across the terms (and schools) of the window.
attendance_in_window as (

    select
        record_persons.person_id,
        rules.indicator_code,
        rules.threshold,
        attendance.source_dataset,
        attendance.record_id,
        attendance.dob as record_dob,
        attendance.term_ended_on,
        attendance.sessions_possible,
        attendance.sessions_missed,
        sum(attendance.sessions_missed) over (partition by record_persons.person_id) as missed_in_window,
        sum(attendance.sessions_possible) over (partition by record_persons.person_id) as possible_in_window,
        count(distinct attendance.academic_year || attendance.term)
            over (partition by record_persons.person_id) as terms_in_window,

    from attendance
    inner join record_persons
        on attendance.record_id = record_persons.record_id
    inner join rules
        on rules.indicator_code = '2A'
    where {{ in_window('attendance.term_ended_on', 'rules') }}
        and attendance.sessions_possible > 0

),

persistent_absence as (

    select
        person_id,
        indicator_code,
        source_dataset,
        record_id,
        record_dob,
        term_ended_on as event_on,
        'missed ' || missed_in_window || ' of ' || possible_in_window || ' sessions ('
            || round(100.0 * missed_in_window / possible_in_window, 1) || '%) over '
            || terms_in_window || ' term(s); threshold ' || round(100 * threshold, 1) || '%' as detail,

    from attendance_in_window
    where missed_in_window >= threshold * possible_in_window

),

-- 2B (fixed-period, counted against the threshold) and 2C (permanent) exclusions.
excluded as (

    select
        record_persons.person_id,
        rules.indicator_code,
        exclusions.source_dataset,
        exclusions.record_id,
        exclusions.dob as record_dob,
        exclusions.started_on as event_on,
        codes.meaning || ' from ' || exclusions.started_on as detail,

    from exclusions
    inner join record_persons
        on exclusions.record_id = record_persons.record_id
    inner join codes
        on codes.indicator_code in ('2B', '2C')
        and codes.field = 'exclusion_category'
        and exclusions.exclusion_category = codes.code
    inner join rules
        on rules.indicator_code = codes.indicator_code
    where {{ in_window('exclusions.started_on', 'rules') }}

),

-- 2D: placed in a pupil referral unit or alternative provision during the window.
alternative_provision as (

    select
        record_persons.person_id,
        rules.indicator_code,
        placements.source_dataset,
        placements.record_id,
        placements.dob as record_dob,
        placements.started_on as event_on,
        'placed in ' || lower(placements.setting_type) || ' from ' || placements.started_on
            || coalesce(' to ' || placements.ended_on, ', still placed') as detail,

    from placements
    inner join record_persons
        on placements.record_id = record_persons.record_id
    inner join rules
        on rules.indicator_code = '2D'
    where {{ overlaps_window('placements.started_on', 'placements.ended_on', 'rules') }}

)

select * from persistent_absence
union all
select * from excluded
union all
select * from alternative_provision
