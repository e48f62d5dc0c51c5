-- Placement rule 1, by the person's own records: where each person lives as at the as-at
-- date, for every person a record places at a UPRN. A stay is over once the person has been
-- seen at another address after its last record (a move); and it is no candidate at all once
-- a later record whose address matched no UPRN carries a postcode none of the person's stays
-- has (they have moved somewhere the address matcher could not place).
-- Among stays not over, the newest address (the stay first seen last) wins unless an older
-- one has more evidence dated after the day the person was first seen at the newest (a
-- return move): a stale address can only repeat an address the person has left, never show
-- one they have not lived at yet, so records at the old address from that day or before (a
-- source that has not caught up with the move) do not count against it. Evidence, and then
-- ties, are weighed by source and recency: each record weighs its source's weight (seed
-- residence_source_weights: how far that source's address is kept up to date; 0.9 if
-- unlisted), halving every var('residence_half_life_days') days before the as-at date; the
-- tie-break sums each source's latest record placing the person at the UPRN (a later record
-- from a source supersedes its earlier ones), so years of records at a former address do not
-- outvote the latest snapshots (census, child health, tenancies) showing a move.
-- A child on the latest school census lives at its census address (the DfE's main home)
-- unless two other sources place them elsewhere after the census day, or they have moved
-- since (seen only elsewhere after it); so a child between two homes lives at one of them.
-- The later rules (int_person_addresses__with_children, __by_postcode_and_surname) start
-- from these placements; int_person_addresses combines the three.
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

    {{ rows_as_at('stg_council_gis__gazetteers') }}

),

source_weights as (

    select * from {{ ref('residence_source_weights') }}

),

persons as (

    select * from {{ ref('int_persons') }}

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
        -- Rounded: a parallel sum of floats differs in its last bits from run to run, which
        -- made the table differ on unchanged data and could flip a near-tie in the ranking.
        round(sum(
            coalesce(source_weights.weight, 0.9)
            * pow(0.5, date_diff('day', record_persons.event_on, parameters.as_at_date)
                / {{ var('residence_half_life_days', 90) }})
        ), 9) as residence_score,

    from latest_by_source as record_persons
    cross join parameters
    left join source_weights
        on record_persons.source_dataset = source_weights.source_dataset
    group by record_persons.person_id, record_persons.uprn

),

known_postcodes as (

    -- The postcodes of every address the person has been placed at: the gazetteer's, and
    -- as their placed records wrote them.
    select distinct stays.person_id, upper(replace(gazetteer.postcode, ' ', '')) as postcode_key,
    from stays
    inner join gazetteer
        on stays.uprn = gazetteer.uprn
    where gazetteer.postcode is not null
    union
    select distinct record_persons.person_id, upper(replace(record_persons.postcode, ' ', '')),
    from record_persons
    where record_persons.uprn is not null
        and record_persons.postcode is not null

),

unplaced_sightings as (

    -- Records whose address matched no UPRN but whose postcode is new for the person.
    select record_persons.person_id, max(record_persons.event_on) as last_seen_on,
    from record_persons
    cross join parameters
    left join known_postcodes
        on record_persons.person_id = known_postcodes.person_id
        and upper(replace(record_persons.postcode, ' ', '')) = known_postcodes.postcode_key
    where record_persons.uprn is null
        and nullif(trim(record_persons.postcode), '') is not null
        and record_persons.event_on <= parameters.as_at_date
        and known_postcodes.postcode_key is null
    group by record_persons.person_id

),

candidates as (

    select
        votes.person_id,
        votes.uprn,
        votes.residence_score,
        stays.first_seen_on,
        stays.last_seen_on,
        -- a stay is over once the person has been seen at another address after it
        exists (
            select 1
            from stays as later
            where later.person_id = votes.person_id
                and later.uprn <> votes.uprn
                and later.first_seen_on > stays.last_seen_on
        ) as is_over,

    from votes
    inner join stays
        on votes.person_id = stays.person_id
        and votes.uprn = stays.uprn
    left join unplaced_sightings
        on votes.person_id = unplaced_sightings.person_id
    where unplaced_sightings.last_seen_on is null
        or unplaced_sightings.last_seen_on <= stays.last_seen_on

),

newest_arrivals as (

    select person_id, max(first_seen_on) as newest_arrival_on,
    from candidates
    where not is_over
    group by person_id

),

since_newest_arrival as (

    -- Evidence after the newest arrival: every record at the newest address, and records at
    -- an older address dated after the day the person was first seen at the newest.
    select
        candidates.person_id,
        candidates.uprn,
        round(sum(
            coalesce(source_weights.weight, 0.9)
            * pow(0.5, date_diff('day', record_persons.event_on, parameters.as_at_date)
                / {{ var('residence_half_life_days', 90) }})
        ), 9) as since_arrival_score,  -- rounded as residence_score is

    from candidates
    inner join newest_arrivals
        on candidates.person_id = newest_arrivals.person_id
    inner join record_persons
        on candidates.person_id = record_persons.person_id
        and candidates.uprn = record_persons.uprn
    cross join parameters
    left join source_weights
        on record_persons.source_dataset = source_weights.source_dataset
    where record_persons.event_on <= parameters.as_at_date
        and (
            candidates.first_seen_on = newest_arrivals.newest_arrival_on
            or record_persons.event_on > newest_arrivals.newest_arrival_on
        )
    group by candidates.person_id, candidates.uprn

),

ranked as (

    select
        candidates.person_id,
        candidates.uprn,
        candidates.residence_score,
        candidates.first_seen_on,
        candidates.last_seen_on,
        row_number() over (
            partition by candidates.person_id
            order by
                candidates.is_over,
                coalesce(since_newest_arrival.since_arrival_score, 0) desc,
                candidates.residence_score desc,
                candidates.last_seen_on desc,
                candidates.uprn
        ) as residence_rank,

    from candidates
    left join since_newest_arrival
        on candidates.person_id = since_newest_arrival.person_id
        and candidates.uprn = since_newest_arrival.uprn

),

placed_by_votes as (

    select
        person_id,
        uprn,
        residence_score,
        first_seen_on as address_since_on,
        last_seen_on as address_last_seen_on,

    from ranked
    where residence_rank = 1

),

latest_census as (

    -- The latest school census as at the date: its day, and who was on the roll, where.
    select record_persons.person_id, record_persons.uprn, record_persons.event_on,
    from record_persons
    cross join parameters
    where record_persons.source_dataset = 'council_education__school_census'
        and record_persons.event_on <= parameters.as_at_date
    qualify record_persons.event_on = max(record_persons.event_on) over ()

),

newer_sources_elsewhere as (

    -- For a child on the latest census whom the votes placed away from their census address:
    -- how many other sources place them at that address after the census day.
    select
        latest_census.person_id,
        count(distinct record_persons.source_dataset) as newer_source_count,

    from latest_census
    inner join placed_by_votes
        on latest_census.person_id = placed_by_votes.person_id
    inner join record_persons
        on latest_census.person_id = record_persons.person_id
        and record_persons.uprn = placed_by_votes.uprn
        and record_persons.event_on > latest_census.event_on
    cross join parameters
    where latest_census.uprn <> placed_by_votes.uprn
        and record_persons.source_dataset <> 'council_education__school_census'
        and record_persons.event_on <= parameters.as_at_date
    group by latest_census.person_id

),

census_main_homes as (

    -- A child's main home is their school census address, as the DfE takes it, unless newer
    -- evidence from two sources places them elsewhere, or they have been seen only elsewhere
    -- since the census day (a move after it, however few sources know it yet). A child
    -- between two homes (census at one parent's, child health at the other's) stays at the
    -- census address, and the other parent is the family's absent parent. Only where the
    -- census address is still a home of someone the child lived with.
    select
        latest_census.person_id,
        latest_census.uprn,
        stays.first_seen_on,
        stays.last_seen_on,

    from latest_census
    inner join placed_by_votes
        on latest_census.person_id = placed_by_votes.person_id
    inner join stays
        on latest_census.person_id = stays.person_id
        and latest_census.uprn = stays.uprn
    left join newer_sources_elsewhere
        on latest_census.person_id = newer_sources_elsewhere.person_id
    where latest_census.uprn <> placed_by_votes.uprn
        and coalesce(newer_sources_elsewhere.newer_source_count, 0) < 2
        -- Two homes: an adult who lived with the child still lives at the census address (a
        -- household that moved away whole, leaving a stale record behind, is no second home).
        and exists (
            select 1
            from placed_by_votes as adult_home
            inner join persons as adult
                on adult_home.person_id = adult.person_id
            inner join stays as adult_stay
                on adult_home.person_id = adult_stay.person_id
            inner join stays as child_stay
                on adult_stay.uprn = child_stay.uprn
                and child_stay.person_id = latest_census.person_id
                and adult_stay.first_seen_on <= child_stay.last_seen_on
                and child_stay.first_seen_on <= adult_stay.last_seen_on
            cross join parameters
            where adult_home.uprn = latest_census.uprn
                and adult_home.person_id <> latest_census.person_id
                and {{ age_on('adult.dob', 'parameters.as_at_date') }} >= 18
        )
        -- A child seen only elsewhere since the census day has moved (the stay is over).
        and not exists (
            select 1
            from stays as later
            where later.person_id = latest_census.person_id
                and later.uprn <> latest_census.uprn
                and later.first_seen_on > stays.last_seen_on
        )

),

placed_by_records as (

    select
        placed_by_votes.person_id,
        coalesce(census_main_homes.uprn, placed_by_votes.uprn) as uprn,
        placed_by_votes.residence_score,
        coalesce(census_main_homes.first_seen_on, placed_by_votes.address_since_on)
            as address_since_on,
        coalesce(census_main_homes.last_seen_on, placed_by_votes.address_last_seen_on)
            as address_last_seen_on,

    from placed_by_votes
    left join census_main_homes
        on placed_by_votes.person_id = census_main_homes.person_id

)

select * from placed_by_records
