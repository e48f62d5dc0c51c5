-- Families: households with at least one dependent child. The baseline is the school census
-- with child health (the agreement): a household is a family when a dependent child living
-- there is on either; it is not pre-filtered on any criterion.
with

members as (

    select * from {{ ref('int_household_members') }}

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
        'FAM-' || uprn as family_id,
        household_id,
        uprn,
        as_at_date,
        member_count,
        adult_count,
        dependent_child_count,

    from households
    where dependent_child_count > 0

)

select * from families
