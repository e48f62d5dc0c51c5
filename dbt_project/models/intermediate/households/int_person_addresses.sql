-- Where each person lives as at the as-at date. A stay is over once the person has been seen
-- at another address after its last record (a move); among stays not over, each source's
-- latest record placing them at a UPRN (a later record from a source supersedes its earlier
-- ones) votes for it with its source's weight (seed residence_source_weights: how far that source's
-- address is kept up to date; 0.9 if unlisted), the vote halving every
-- var('residence_half_life_days') days before the as-at date: several recent records outvote a single one carrying a stale address, and a move
-- shows as soon as the latest snapshots (census, child health, tenancies) carry it.
-- A person none of whose records carries a matchable address (e.g. only a mental health
-- referral, which holds a postcode) is placed at the one household of their postcode where
-- a resident shares their surname, if there is exactly one; otherwise they stay unplaced.
with

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

    select * from {{ ref('stg_council_gis__gazetteers') }}

),

source_weights as (

    select * from {{ ref('residence_source_weights') }}

),

latest_by_source as (

    -- Each source states one current address per person: a later record from the same
    -- source supersedes its earlier ones, so years of records at a former address do not
    -- outvote the latest snapshots showing a move.
    select record_persons.*
    from record_persons
    cross join parameters
    where record_persons.uprn is not null
        and record_persons.event_on <= parameters.as_at_date
    qualify rank() over (
        partition by record_persons.person_id, record_persons.source_dataset
        order by record_persons.event_on desc
    ) = 1

),

votes as (

    select
        record_persons.person_id,
        record_persons.uprn,
        sum(
            coalesce(source_weights.weight, 0.9)
            * pow(0.5, date_diff('day', record_persons.event_on, parameters.as_at_date)
                / {{ var('residence_half_life_days', 90) }})
        ) as residence_score,

    from latest_by_source as record_persons
    cross join parameters
    left join source_weights
        on record_persons.source_dataset = source_weights.source_dataset
    group by record_persons.person_id, record_persons.uprn

),

ranked as (

    select
        votes.person_id,
        votes.uprn,
        votes.residence_score,
        stays.first_seen_on,
        stays.last_seen_on,
        row_number() over (
            partition by votes.person_id
            order by
                -- a stay is over once the person has been seen at another address after it
                exists (
                    select 1
                    from stays as later
                    where later.person_id = votes.person_id
                        and later.uprn <> votes.uprn
                        and later.first_seen_on > stays.last_seen_on
                ),
                votes.residence_score desc,
                stays.last_seen_on desc,
                votes.uprn
        ) as residence_rank,

    from votes
    inner join stays
        on votes.person_id = stays.person_id
        and votes.uprn = stays.uprn

),

placed as (

    select
        person_id,
        uprn,
        residence_score,
        first_seen_on as address_since_on,
        last_seen_on as address_last_seen_on,
        false as is_placed_by_postcode_and_surname,

    from ranked
    where residence_rank = 1

),

name_keys as (

    select distinct
        record_persons.person_id,
        lower(trim(record_persons.surname)) as surname_key,
        upper(replace(record_persons.postcode, ' ', '')) as postcode_key,

    from record_persons
    cross join parameters
    where record_persons.event_on <= parameters.as_at_date
        and record_persons.surname is not null

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

unplaced_candidates as (

    select
        name_keys.person_id,
        resident_keys.uprn,

    from name_keys
    inner join resident_keys
        on name_keys.surname_key = resident_keys.surname_key
        and name_keys.postcode_key = resident_keys.postcode_key
    where name_keys.person_id not in (select person_id from placed)

),

placed_by_postcode_and_surname as (

    select
        person_id,
        min(uprn) as uprn,
        cast(0 as double) as residence_score,
        cast(null as date) as address_since_on,
        cast(null as date) as address_last_seen_on,
        true as is_placed_by_postcode_and_surname,

    from unplaced_candidates
    group by person_id
    having count(distinct uprn) = 1

)

select * from placed
{% if var('place_by_postcode_and_surname', true) %}
union all
select * from placed_by_postcode_and_surname
{% endif %}
