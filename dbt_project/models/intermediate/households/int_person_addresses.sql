-- Where each person lives as at the as-at date. A stay is over once the person has been seen
-- at another address after its last record (a move); and it is no candidate at all once a
-- later record whose address matched no UPRN carries a postcode none of the person's stays
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
-- An adult not heard of since the children they lived with all moved to one new address
-- (or heard of only with that address's postcode, and not by two sources elsewhere on the
-- day they arrived) is placed there with them (is_placed_with_children;
-- var('place_with_moved_children')).
-- A person left unplaced (none of their records carries a matchable address, e.g. only a
-- mental health referral, which holds a postcode; or a new postcode has ended every stay) is
-- placed at the one household of their latest postcode where a resident shares their surname
-- or lived at one of their former addresses, if there is exactly one; otherwise they stay
-- unplaced (is_placed_by_postcode_and_surname; var('place_by_postcode_and_surname')).
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

uprn_postcodes as (

    -- Each UPRN's postcode in the latest gazetteer extract that lists it.
    select uprn, postcode,
    from gazetteer
    qualify row_number() over (partition by uprn order by extracted_on desc nulls last) = 1

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
        sum(
            coalesce(source_weights.weight, 0.9)
            * pow(0.5, date_diff('day', record_persons.event_on, parameters.as_at_date)
                / {{ var('residence_half_life_days', 90) }})
        ) as since_arrival_score,

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
    left join uprn_postcodes as gazetteer
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

),

placed as (

    select
        coalesce(placed_by_records.person_id, moved_with_children.person_id) as person_id,
        coalesce(moved_with_children.uprn, placed_by_records.uprn) as uprn,
        case
            when moved_with_children.person_id is null then placed_by_records.residence_score
            else cast(0 as double)
        end as residence_score,
        coalesce(moved_with_children.children_arrived_on, placed_by_records.address_since_on)
            as address_since_on,
        case
            when moved_with_children.person_id is null
                then placed_by_records.address_last_seen_on
        end as address_last_seen_on,
        false as is_placed_by_postcode_and_surname,
        moved_with_children.person_id is not null as is_placed_with_children,

    from placed_by_records
    full outer join moved_with_children
        on placed_by_records.person_id = moved_with_children.person_id
        {% if not var('place_with_moved_children', true) -%}
        and false
        {%- endif %}
    {% if not var('place_with_moved_children', true) -%}
    where placed_by_records.person_id is not null
    {%- endif %}

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
        latest_name_keys.person_id,
        placed.uprn,

    from latest_name_keys
    inner join stays as own_stay
        on latest_name_keys.person_id = own_stay.person_id
    inner join stays as their_stay
        on own_stay.uprn = their_stay.uprn
        and own_stay.person_id <> their_stay.person_id
    inner join placed
        on their_stay.person_id = placed.person_id
        and own_stay.uprn <> placed.uprn
    inner join uprn_postcodes
        on placed.uprn = uprn_postcodes.uprn
        and latest_name_keys.postcode_key = upper(replace(uprn_postcodes.postcode, ' ', ''))

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

select * from placed
{% if var('place_by_postcode_and_surname', true) %}
union all
select * from placed_by_postcode_and_surname
{% endif %}
