-- Which household each placed person belongs to. At most UPRNs everyone placed there is one
-- household ('HH-<uprn>'). At a UPRN that may hold several (int_coresidence_evidence: a house
-- in multiple occupation, several tenancies), households are the groups of people tied by
-- co-residence evidence, directly or through others (connected components); a person tied to
-- no one there (a lodger) is a household of their own. Several households at one UPRN are
-- numbered 'HH-<uprn>-<n>' in order of their first person id, so a rerun on the same data
-- gives the same ids (the stable family ids are int_family_ids').
with recursive

addresses as (

    select * from {{ ref('int_person_addresses') }}

),

evidence as (

    select * from {{ ref('int_coresidence_evidence') }}

),

shared_uprns as (

    select distinct uprn from evidence

),

edges as (

    select person_id, other_person_id from evidence where is_same_household
    union all
    select other_person_id, person_id from evidence where is_same_household

),

reachable (person_id, reached_person_id) as (

    -- Everyone a person is tied to, directly or through others (a few people per UPRN).
    select person_id, person_id
    from addresses
    where uprn in (select uprn from shared_uprns)
    union
    select reachable.person_id, edges.other_person_id
    from reachable
    inner join edges
        on reachable.reached_person_id = edges.person_id

),

components as (

    select person_id, min(reached_person_id) as first_person_id,
    from reachable
    group by person_id

),

numbered as (

    select
        addresses.person_id,
        addresses.uprn,
        components.first_person_id,
        dense_rank() over (
            partition by addresses.uprn order by components.first_person_id
        ) as household_number,

    from addresses
    left join components
        on addresses.person_id = components.person_id

),

counted as (

    select *, max(household_number) over (partition by uprn) as households_at_uprn,
    from numbered

),

final as (

    select
        person_id,
        uprn,
        case
            when households_at_uprn > 1 then 'HH-' || uprn || '-' || household_number
            else 'HH-' || uprn
        end as household_id,
        households_at_uprn,

    from counted

)

select * from final
