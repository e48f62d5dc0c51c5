-- Placement rule 3, by postcode and surname: a person neither earlier rule placed (none of
-- their records carries a matchable address, e.g. only a mental health referral, which holds a
-- postcode; or a new postcode has ended every stay) is placed at the one household of their
-- latest postcode where a resident shares their surname or lived at one of their former
-- addresses, if there is exactly one; otherwise they stay unplaced. One row per person so
-- placed; none when var('place_by_postcode_and_surname') is false.
with

placed_by_records as (

    select * from {{ ref('int_person_addresses__by_records') }}

),

moved_with_children as (

    select * from {{ ref('int_person_addresses__with_children') }}

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

gazetteer as (

    -- One row per UPRN: as the latest gazetteer extract by the as-at date lists it.
    {{ rows_as_at('stg_council_gis__gazetteers') }}

),

placed as (

    -- Where rules 1 and 2 place people: the residents a person can be matched to.
    select person_id, uprn,
    from moved_with_children
    union all
    select person_id, uprn,
    from placed_by_records
    where person_id not in (select person_id from moved_with_children)

),

dated_name_keys as (

    -- The surnames and postcodes a person's records give, with the day of the record.
    select distinct
        record_persons.person_id,
        lower(trim(record_persons.surname)) as surname_key,
        upper(replace(record_persons.postcode, ' ', '')) as postcode_key,
        record_persons.event_on,

    from record_persons
    cross join parameters
    where record_persons.event_on <= parameters.as_at_date
        and record_persons.surname is not null

),

name_keys as (

    select distinct person_id, surname_key, postcode_key,
    from dated_name_keys

),

latest_name_keys as (

    -- An unplaced person's latest postcode: they are looked for where they live now. Only
    -- persons no rule above placed (a few percent) are ranked.
    select distinct person_id, surname_key, postcode_key,
    from dated_name_keys
    where nullif(postcode_key, '') is not null
        and person_id not in (select person_id from placed)
    qualify rank() over (partition by person_id order by event_on desc) = 1

),

resident_keys as (

    select distinct
        placed.uprn,
        name_keys.surname_key,
        upper(replace(gazetteer.postcode, ' ', '')) as postcode_key,

    from placed
    inner join name_keys
        on placed.person_id = name_keys.person_id
    inner join gazetteer
        on placed.uprn = gazetteer.uprn

),

former_housemates as materialized (

    -- The people who lived at one of an unplaced person's former addresses. Materialised so
    -- these equality joins run first: inlined, DuckDB's estimates (a few hundred unplaced
    -- people) led it to pair every placed resident with every former stay on
    -- `uprn <> uprn` alone, a nested loop that took 214 s and 21 GB at 200,000 households.
    select
        latest_name_keys.person_id,
        latest_name_keys.postcode_key,
        own_stay.uprn as former_uprn,
        their_stay.person_id as housemate_person_id,

    from latest_name_keys
    inner join stays as own_stay
        on latest_name_keys.person_id = own_stay.person_id
    inner join stays as their_stay
        on own_stay.uprn = their_stay.uprn
        and own_stay.person_id <> their_stay.person_id

),

unplaced_candidates as (

    select
        latest_name_keys.person_id,
        resident_keys.uprn,

    from latest_name_keys
    inner join resident_keys
        on latest_name_keys.surname_key = resident_keys.surname_key
        and latest_name_keys.postcode_key = resident_keys.postcode_key

    union

    -- Or a resident who lived at one of the person's former addresses: households move
    -- together, and the same former address and the same new postcode rarely coincide.
    select
        former_housemates.person_id,
        placed.uprn,

    from former_housemates
    inner join placed
        on former_housemates.housemate_person_id = placed.person_id
        and former_housemates.former_uprn <> placed.uprn
    inner join gazetteer
        on placed.uprn = gazetteer.uprn
        and former_housemates.postcode_key = upper(replace(gazetteer.postcode, ' ', ''))

),

placed_by_postcode_and_surname as (

    select
        person_id,
        min(uprn) as uprn,
        cast(0 as double) as residence_score,
        cast(null as date) as address_since_on,
        cast(null as date) as address_last_seen_on,
        true as is_placed_by_postcode_and_surname,
        false as is_placed_with_children,

    from unplaced_candidates
    group by person_id
    having count(distinct uprn) = 1

)

select * from placed_by_postcode_and_surname
{% if not var('place_by_postcode_and_surname', true) -%}
where false
{%- endif %}
