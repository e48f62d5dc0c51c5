-- Placement rule 2, with their children: an adult not heard of since the children they lived
-- with all moved to one new address (or heard of only with that address's postcode, and not
-- by two sources elsewhere on the day they arrived) is placed there with them. One row per
-- adult so moved, which overrides their placement by rule 1 (int_person_addresses__by_records);
-- none when var('place_with_moved_children') is false.
with

placed_by_records as (

    select * from {{ ref('int_person_addresses__by_records') }}

),

record_persons as (

    select * from {{ ref('int_record_persons') }}

),

stays as (

    select * from {{ ref('int_person_stays') }}

),

parameters as (

    select * from {{ ref('int_run_parameters') }}

),

persons as (

    select * from {{ ref('int_persons') }}

),

gazetteer as (

    -- One row per UPRN: as the latest gazetteer extract by the as-at date lists it.
    {{ rows_as_at('stg_council_gis__gazetteers') }}

),

adult_homes as (

    -- Where each person was last placed by their records: the address the votes chose, or,
    -- for a person every one of whose stays a new postcode has ended, their latest stay.
    select person_id, uprn, address_since_on, address_last_seen_on,
    from placed_by_records
    union all
    select stays.person_id, stays.uprn, stays.first_seen_on, stays.last_seen_on,
    from stays
    where stays.person_id not in (select person_id from placed_by_records)
    qualify row_number() over (
        partition by stays.person_id order by stays.last_seen_on desc, stays.uprn
    ) = 1

),

children_lived_with as (

    -- For each adult, the children (under 18) who lived with them at that address (their
    -- stays there overlap), and where those children are placed now.
    select
        adult.person_id,
        adult.uprn as adult_uprn,
        child_now.uprn as child_uprn,
        child_now.address_since_on as child_arrived_on,

    from adult_homes as adult
    cross join parameters
    inner join persons as adult_person
        on adult.person_id = adult_person.person_id
    inner join stays as child_stay
        on adult.uprn = child_stay.uprn
        and adult.person_id <> child_stay.person_id
        and child_stay.first_seen_on <= adult.address_last_seen_on
        and child_stay.last_seen_on >= adult.address_since_on
    inner join persons as child
        on child_stay.person_id = child.person_id
    inner join placed_by_records as child_now
        on child_stay.person_id = child_now.person_id
    where {{ age_on('adult_person.dob', 'parameters.as_at_date') }} >= 18
        and {{ age_on('child.dob', 'parameters.as_at_date') }} < 18

),

children_moved as (

    select
        person_id,
        min(adult_uprn) as adult_uprn,
        min(child_uprn) as uprn,
        min(child_arrived_on) as children_arrived_on,
    from children_lived_with
    group by person_id
    having count(distinct child_uprn) = 1
        and bool_and(child_uprn <> adult_uprn)

),

moved_with_children as (

    -- An adult is taken to have moved with the children they lived with when those children
    -- have all moved to one new address and nothing heard of the adult after the children
    -- arrived there places them anywhere else: no later record at another UPRN, nor with
    -- another postcode (a record of the arrival day itself may not have caught up yet).
    -- Children do not move house alone, and a parent who stays behind (a separation) and is
    -- heard of again at the old address keeps it. An adult evidenced at their own address is
    -- never moved by a tie: two sources placing them elsewhere on the arrival day itself (a
    -- tenancy and a benefit snapshot of the same quarter end) keep them there too.
    select children_moved.person_id, children_moved.uprn, children_moved.children_arrived_on,
    from children_moved
    left join gazetteer
        on children_moved.uprn = gazetteer.uprn
    where not exists (
        select 1
        from record_persons as heard
        cross join parameters
        where heard.person_id = children_moved.person_id
            and heard.event_on > children_moved.children_arrived_on
            and heard.event_on <= parameters.as_at_date
            and (
                (heard.uprn is not null and heard.uprn <> children_moved.uprn)
                or (
                    heard.uprn is null
                    and nullif(trim(heard.postcode), '') is not null
                    and upper(replace(heard.postcode, ' ', ''))
                        is distinct from upper(replace(gazetteer.postcode, ' ', ''))
                )
            )
    )
        and (
            select count(distinct heard.source_dataset)
            from record_persons as heard
            where heard.person_id = children_moved.person_id
                and heard.event_on = children_moved.children_arrived_on
                and heard.uprn <> children_moved.uprn
        ) < 2

)

select person_id, uprn, children_arrived_on,
from moved_with_children
{% if not var('place_with_moved_children', true) -%}
where false
{%- endif %}
