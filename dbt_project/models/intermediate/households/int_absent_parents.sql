-- Absent parents: adults of parenting age who lived at the same UPRN as one of a family's
-- dependent children (their stays overlapped), share a surname with the child on some record,
-- and now live elsewhere. FF2015 counts such an adult with parenting responsibility for one
-- problem only (see int_family_criteria). The surname is what tells a parent from a former
-- housemate or the previous occupant a stale record overlaps: measured on the demo city, 21
-- of the 26 adults it keeps are a parent of the child, against 24 of 121 without it.
with

members as (

    select * from {{ ref('int_household_members') }}

),

families as (

    select * from {{ ref('int_families') }}

),

stays as (

    select * from {{ ref('int_person_stays') }}

),

persons as (

    select * from {{ ref('int_persons') }}

),

record_persons as (

    select * from {{ ref('int_record_persons') }}

),

surnames as (

    select distinct person_id, lower(trim(surname)) as surname_key,
    from record_persons
    where nullif(trim(surname), '') is not null

),

children as (

    select
        families.family_id,
        members.person_id as child_person_id,
        members.dob as child_dob,
        families.uprn as family_uprn,

    from members
    inner join families
        on members.household_id = families.household_id
    where members.is_dependent_child

),

shared_stays as (

    select distinct
        children.family_id,
        adult_stays.person_id,

    from children
    inner join stays as child_stays
        on children.child_person_id = child_stays.person_id
    inner join stays as adult_stays
        on child_stays.uprn = adult_stays.uprn
        and adult_stays.person_id <> children.child_person_id
        and adult_stays.first_seen_on <= child_stays.last_seen_on
        and adult_stays.last_seen_on >= child_stays.first_seen_on
    inner join persons as adults
        on adult_stays.person_id = adults.person_id
    inner join surnames as child_surnames
        on children.child_person_id = child_surnames.person_id
    inner join surnames as adult_surnames
        on adult_stays.person_id = adult_surnames.person_id
        and child_surnames.surname_key = adult_surnames.surname_key
    -- Parenting age: {{ var('parent_min_age_gap_years', 15) }} to {{ var('parent_max_age_gap_years', 50) }} years older than the child.
    where date_diff('year', adults.dob, children.child_dob)
        between {{ var('parent_min_age_gap_years', 15) }} and {{ var('parent_max_age_gap_years', 50) }}

),

absent as (

    select
        shared_stays.family_id,
        shared_stays.person_id,

    from shared_stays
    left join members
        on shared_stays.person_id = members.person_id
    inner join families
        on shared_stays.family_id = families.family_id
    where members.household_id is distinct from families.household_id
        and coalesce(members.is_adult, true)

)

select * from absent
