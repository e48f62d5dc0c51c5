-- Evidence that two people placed at the same UPRN share one household, for the UPRNs that may
-- hold several: a house in multiple occupation (gazetteer class RH02) or a UPRN where the
-- latest tenancies snapshot has two or more tenancies (flats without a UPRN of their own).
-- Elsewhere a UPRN is one household, as before; weighing evidence there would only split
-- couples who share nothing on record (a partner who kept their surname and moved in later).
-- One row per pair (person_id < other_person_id) at such a UPRN, with the evidence that ties them:
--   same tenancy      both on one tenancy of the latest tenancies snapshot (a tenancy household)
--   shared surname    a surname in common on any of their records up to the as-at date
--   moved together    both lived at one earlier UPRN at the same time (households move whole)
--   arrived together  two adults first seen at this UPRN within var('arrived_together_days')
--                     (92: the quarterly snapshots that first place most people are a quarter
--                     apart) of one another; a lodger comes and goes on a calendar of their
--                     own. Adults only: a child is first seen at birth or at a first census,
--                     which says nothing of who arrived with whom (measured: lodgers arriving
--                     near a birth were tied to the family through the baby)
-- (The extracts carry no claim unit or parent link: DWP and child health list people one by
-- one, so a parent and child are tied by surname, a move or a tenancy.)
with

addresses as (

    select * from {{ ref('int_person_addresses') }}

),

record_persons as (

    select * from {{ ref('int_record_persons') }}

),

stays as (

    select * from {{ ref('int_person_stays') }}

),

persons as (

    select * from {{ ref('int_persons') }}

),

parameters as (

    select * from {{ ref('int_run_parameters') }}

),

gazetteer as (

    {{ latest_snapshot_as_at('stg_council_gis__gazetteers') }}

),

tenancies as (

    {{ latest_snapshot_as_at('stg_council_housing__tenancies') }}

),

tenancy_members as (

    -- The tenancy each placed person is on, where that tenancy's record placed them here.
    select distinct addresses.uprn, addresses.person_id, tenancies.tenancy_ref,
    from tenancies
    inner join record_persons
        on tenancies.record_id = record_persons.record_id
    inner join addresses
        on record_persons.person_id = addresses.person_id
        and record_persons.uprn = addresses.uprn

),

shared_uprns as (

    select uprn, 'house in multiple occupation' as shared_because,
    from gazetteer
    where classification_code = 'RH02'
    union
    select uprn, 'several tenancies',
    from tenancy_members
    group by uprn
    having count(distinct tenancy_ref) > 1

),

pairs as (

    select
        first_person.uprn,
        first_person.person_id,
        second_person.person_id as other_person_id,

    from addresses as first_person
    inner join addresses as second_person
        on first_person.uprn = second_person.uprn
        and first_person.person_id < second_person.person_id
    where first_person.uprn in (select uprn from shared_uprns)

),

surname_keys as (

    select distinct record_persons.person_id, lower(trim(record_persons.surname)) as surname_key,
    from record_persons
    cross join parameters
    where record_persons.event_on <= parameters.as_at_date
        and nullif(trim(record_persons.surname), '') is not null
        and record_persons.person_id in (
            select pairs.person_id from pairs
            union
            select pairs.other_person_id from pairs
        )

),

same_tenancy as (

    select distinct pairs.uprn, pairs.person_id, pairs.other_person_id,
    from pairs
    inner join tenancy_members as first_tenancy
        on pairs.person_id = first_tenancy.person_id
    inner join tenancy_members as second_tenancy
        on pairs.other_person_id = second_tenancy.person_id
        and first_tenancy.tenancy_ref = second_tenancy.tenancy_ref

),

shared_surname as (

    select distinct pairs.uprn, pairs.person_id, pairs.other_person_id,
    from pairs
    inner join surname_keys as first_name
        on pairs.person_id = first_name.person_id
    inner join surname_keys as second_name
        on pairs.other_person_id = second_name.person_id
        and first_name.surname_key = second_name.surname_key

),

moved_together as (

    select distinct pairs.uprn, pairs.person_id, pairs.other_person_id,
    from pairs
    inner join stays as first_stay
        on pairs.person_id = first_stay.person_id
        and first_stay.uprn <> pairs.uprn
    inner join stays as second_stay
        on pairs.other_person_id = second_stay.person_id
        and first_stay.uprn = second_stay.uprn
        and first_stay.first_seen_on <= second_stay.last_seen_on
        and second_stay.first_seen_on <= first_stay.last_seen_on

),

arrived_together as (

    select distinct pairs.uprn, pairs.person_id, pairs.other_person_id,
    from pairs
    inner join stays as first_stay
        on pairs.person_id = first_stay.person_id
        and pairs.uprn = first_stay.uprn
    inner join stays as second_stay
        on pairs.other_person_id = second_stay.person_id
        and pairs.uprn = second_stay.uprn
    inner join persons as first_person
        on pairs.person_id = first_person.person_id
    inner join persons as second_person
        on pairs.other_person_id = second_person.person_id
    cross join parameters
    where abs(date_diff('day', first_stay.first_seen_on, second_stay.first_seen_on))
            <= {{ var('arrived_together_days', 92) }}
        and {{ age_on('first_person.dob', 'parameters.as_at_date') }} >= 18
        and {{ age_on('second_person.dob', 'parameters.as_at_date') }} >= 18

),

final as (

    -- Every pair at a UPRN that may hold several households, with what ties them (if anything).
    select
        pairs.uprn,
        pairs.person_id,
        pairs.other_person_id,
        shared_because.shared_because,
        same_tenancy.person_id is not null as has_same_tenancy,
        shared_surname.person_id is not null as has_shared_surname,
        moved_together.person_id is not null as has_moved_together,
        arrived_together.person_id is not null as has_arrived_together,
        has_same_tenancy or has_shared_surname or has_moved_together or has_arrived_together
            as is_same_household,

    from pairs
    inner join (
        select uprn, min(shared_because) as shared_because, from shared_uprns group by uprn
    ) as shared_because
        on pairs.uprn = shared_because.uprn
    left join same_tenancy
        on pairs.person_id = same_tenancy.person_id
        and pairs.other_person_id = same_tenancy.other_person_id
    left join shared_surname
        on pairs.person_id = shared_surname.person_id
        and pairs.other_person_id = shared_surname.other_person_id
    left join moved_together
        on pairs.person_id = moved_together.person_id
        and pairs.other_person_id = moved_together.other_person_id
    left join arrived_together
        on pairs.person_id = arrived_together.person_id
        and pairs.other_person_id = arrived_together.other_person_id

)

select * from final
