-- Indicator hits attached to families: those of the household's own members, and those of
-- an absent parent (an adult with parenting responsibility living elsewhere), marked so
-- the criteria can count the absent parent for one problem only.
with

events as (

    select * from {{ ref('int_indicator_events') }}

),

members as (

    select * from {{ ref('int_household_members') }}

),

families as (

    select * from {{ ref('int_families') }}

),

absent_parents as (

    select * from {{ ref('int_absent_parents') }}

),

family_people as (

    select
        families.family_id,
        families.household_id,
        members.person_id,
        false as is_absent_parent,

    from families
    inner join members
        on families.household_id = members.household_id

    {% if var('count_absent_parents') %}
    union all

    select
        families.family_id,
        families.household_id,
        absent_parents.person_id,
        true as is_absent_parent,

    from families
    inner join absent_parents
        on families.family_id = absent_parents.family_id
    {% endif %}

),

attached as (

    select
        family_people.family_id,
        family_people.household_id,
        family_people.is_absent_parent,
        events.*,

    from events
    inner join family_people
        on events.person_id = family_people.person_id

)

select * from attached
