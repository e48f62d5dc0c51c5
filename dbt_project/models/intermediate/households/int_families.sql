-- Families: households with at least one dependent child. The baseline is the school census
-- with child health (the agreement): a household is a family when a dependent child living
-- there is on either; it is not pre-filtered on any criterion. The family id is this run's
-- from the register of stable ids (int_family_ids).
with

members as (

    select * from {{ ref('int_household_members') }}

),

family_ids as (

    select * from {{ ref('int_family_ids') }}
    where assignment_run = (select max(assignment_run) from {{ ref('int_family_ids') }})

),

households as (

    select
        household_id,
        uprn,
        as_at_date,
        count(*) as member_count,
        count(*) filter (where is_adult) as adult_count,
        count(*) filter (where is_dependent_child and is_in_baseline) as dependent_child_count,

    from members
    group by household_id, uprn, as_at_date

),

families as (

    select
        family_ids.family_id,
        households.household_id,
        households.uprn,
        households.as_at_date,
        households.member_count,
        households.adult_count,
        households.dependent_child_count,
        family_ids.id_change as family_id_change,
        family_ids.predecessor_family_ids,

    from households
    inner join family_ids
        on households.household_id = family_ids.household_id
    where households.dependent_child_count > 0

)

select * from families
