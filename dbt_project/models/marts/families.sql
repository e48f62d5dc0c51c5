-- Families: households with at least one dependent child (FF2015), on the school census /
-- child health baseline, with their members and any absent parent linked to them.
with

families as (

    select * from {{ ref('int_families') }}

),

members as (

    select * from {{ ref('int_household_members') }}

),

absent_parents as (

    select * from {{ ref('int_absent_parents') }}

),

member_lists as (

    select
        household_id,
        list(person_id order by person_id) as person_ids,
        -- Aligned with person_ids (same order; null where the date of birth is unknown):
        -- the family page says who is a child and who an adult.
        list(age_years::integer order by person_id) as member_age_years,
        list(person_id order by person_id) filter (where is_dependent_child) as dependent_child_person_ids,
        list(person_id || ': ' || placed_by_inference order by person_id)
            filter (where placed_by_inference is not null) as members_placed_by_inference,

    from members
    group by household_id

),

absent_lists as (

    select
        family_id,
        list(person_id order by person_id) as absent_parent_person_ids,

    from absent_parents
    group by family_id

),

final as (

    select
        families.family_id,
        families.household_id,
        families.uprn,
        families.as_at_date,
        families.member_count,
        families.adult_count,
        families.dependent_child_count,
        member_lists.person_ids,
        member_lists.member_age_years,
        member_lists.dependent_child_person_ids,
        coalesce(absent_lists.absent_parent_person_ids, []) as absent_parent_person_ids,
        coalesce(member_lists.members_placed_by_inference, []) as members_placed_by_inference,
        families.family_id_change,
        families.predecessor_family_ids,

    from families
    inner join member_lists
        on families.household_id = member_lists.household_id
    left join absent_lists
        on families.family_id = absent_lists.family_id

)

select * from final
