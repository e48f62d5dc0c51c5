-- Criterion 1 (crime and anti-social behaviour): the records that qualify for 1A-1E.
with

offences as (

    {{ rows_as_at('stg_police__offences') }}

),

asb_incidents as (

    {{ rows_as_at('stg_police__asb_incidents') }}

),

asb_cases as (

    {{ rows_as_at('stg_council_housing__asb_cases') }}

),

custody_releases as (

    {{ rows_as_at('stg_police__custody_releases') }}

),

orders as (

    {{ rows_as_at('stg_police__orders') }}

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

-- 1A: a proven outcome (charge, caution, ...) known by the as-at date, offence in the window.
proven_offences as (

    select
        record_persons.person_id,
        rules.indicator_code,
        offences.source_dataset,
        offences.record_id,
        offences.dob as record_dob,
        offences.offence_on as event_on,
        'offence (' || lower(offences.offence_group) || ') on ' || offences.offence_on
            || ', outcome ' || codes.meaning as detail,

    from offences
    inner join record_persons
        on offences.record_id = record_persons.record_id
    inner join rules
        on rules.indicator_code = '1A'
    inner join codes
        on codes.indicator_code = '1A'
        and codes.field = 'outcome_code'
        and offences.outcome_code = codes.code
    where {{ in_window('offences.offence_on', 'rules') }}
        and coalesce(offences.outcome_on, offences.offence_on) <= rules.as_at_date

),

-- 1B: named as the suspect (police) or perpetrator (council) of anti-social behaviour.
asb_records as (

    select source_dataset, record_id, dob, event_date as event_on, person_role,
        'ASB incident (' || lower(asb_category) || ')' as what,
    from asb_incidents
    union all
    select source_dataset, record_id, dob, event_date as event_on, person_role,
        'council ASB case (' || lower(coalesce(case_type, 'other')) || ')' as what,
    from asb_cases

),

anti_social_behaviour as (

    select
        record_persons.person_id,
        rules.indicator_code,
        asb_records.source_dataset,
        asb_records.record_id,
        asb_records.dob as record_dob,
        asb_records.event_on,
        asb_records.what || ' on ' || asb_records.event_on || ' as ' || lower(asb_records.person_role) as detail,

    from asb_records
    inner join record_persons
        on asb_records.record_id = record_persons.record_id
    inner join rules
        on rules.indicator_code = '1B'
    inner join codes
        on codes.indicator_code = '1B'
        and codes.field = 'person_role'
        and asb_records.person_role = codes.code
    where {{ in_window('asb_records.event_on', 'rules') }}

),

-- 1C: released from prison within the window.
released as (

    select
        record_persons.person_id,
        rules.indicator_code,
        custody_releases.source_dataset,
        custody_releases.record_id,
        custody_releases.dob as record_dob,
        custody_releases.released_on as event_on,
        'released from custody on ' || custody_releases.released_on
            || ' (' || lower(custody_releases.release_type) || ')' as detail,

    from custody_releases
    inner join record_persons
        on custody_releases.record_id = record_persons.record_id
    inner join rules
        on rules.indicator_code = '1C'
    where {{ in_window('custody_releases.released_on', 'rules') }}

),

-- 1D (licence, supervision) and 1E (ABC, community order, restorative justice): an order
-- running in the window.
serving_orders as (

    select
        record_persons.person_id,
        rules.indicator_code,
        orders.source_dataset,
        orders.record_id,
        orders.dob as record_dob,
        orders.started_on as event_on,
        codes.meaning || ' from ' || orders.started_on
            || coalesce(' to ' || orders.ended_on, ', still running') as detail,

    from orders
    inner join record_persons
        on orders.record_id = record_persons.record_id
    inner join codes
        on codes.indicator_code in ('1D', '1E')
        and codes.field = 'order_type'
        and orders.order_type = codes.code
    inner join rules
        on rules.indicator_code = codes.indicator_code
    where {{ overlaps_window('orders.started_on', 'orders.ended_on', 'rules') }}

)

select * from proven_offences
union all
select * from anti_social_behaviour
union all
select * from released
union all
select * from serving_orders
