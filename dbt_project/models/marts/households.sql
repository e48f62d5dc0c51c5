-- Households as at the as-at date: the persons whose latest known UPRN is the same.
with

members as (

    select * from {{ ref('int_household_members') }}

),

parameters as (

    select * from {{ ref('int_run_parameters') }}

),

households as (

    select
        members.household_id,
        members.uprn,
        members.as_at_date,
        count(*) as member_count,
        count(*) filter (where members.is_adult) as adult_count,
        count(*) filter (where members.is_dependent_child) as dependent_child_count,
        count(*) filter (where members.is_dependent_child and members.is_in_baseline) as baseline_child_count,
        count(*) filter (where members.is_dependent_child and members.is_in_baseline) > 0 as has_dependent_children,
        list(members.person_id order by members.person_id) as person_ids,

    from members
    group by members.household_id, members.uprn, members.as_at_date

)

select * from households
