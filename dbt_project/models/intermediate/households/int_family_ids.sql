{{ config(materialized='incremental', incremental_strategy='append', full_refresh=false) }}
-- Stable family ids, kept from night to night as person ids are: a register that each run
-- appends its assignment to (never rebuilt: full_refresh is off, so --full-refresh keeps it).
-- A family (a household with a dependent child on the baseline) keeps the id of the previous
-- run's family it shares most members with, when that family shares most with it too
-- (ties: the lower id, the lower household id). A merge keeps one id and lists the others as
-- predecessors; in a split the biggest part keeps the id and the others are new ids listing
-- it. A new id is 'FAM-<uprn>', or 'FAM-<uprn>-<n>' once that UPRN has given an id before
-- (a second household there, or a family that moved in after another moved out with theirs).
with

members as (

    select * from {{ ref('int_household_members') }}

),

families as (

    select household_id, uprn, as_at_date,
    from members
    group by household_id, uprn, as_at_date
    having bool_or(is_dependent_child and is_in_baseline)

),

family_members as (

    select members.household_id, members.person_id,
    from members
    where members.household_id in (select household_id from families)

),

{% if is_incremental() %}
latest_run as (

    select max(assignment_run) as assignment_run from {{ this }}

),

previous as (

    select this.family_id, unnest(this.person_ids) as person_id,
    from {{ this }} as this
    where this.assignment_run = (select assignment_run from latest_run)

),

issued as (

    select distinct family_id from {{ this }}

),

this_run as (

    select coalesce(max(assignment_run), 0) + 1 as assignment_run from {{ this }}

),
{% else %}
previous as (

    select cast(null as varchar) as family_id, cast(null as varchar) as person_id,
    where false

),

issued as (

    select cast(null as varchar) as family_id where false

),

this_run as (

    select 1 as assignment_run

),
{% endif %}

member_overlaps as (

    select family_members.household_id, previous.family_id, count(*) as shared_members,
    from family_members
    inner join previous
        on family_members.person_id = previous.person_id
    group by family_members.household_id, previous.family_id

),

kept as (

    -- Pairs each other's best match: the household continues that family.
    select household_id, family_id,
    from member_overlaps
    qualify row_number() over (
            partition by household_id order by shared_members desc, family_id
        ) = 1
        and row_number() over (
            partition by family_id order by shared_members desc, household_id
        ) = 1

),

new_households as (

    select
        families.household_id,
        families.uprn,
        row_number() over (partition by families.uprn order by families.household_id)
            as new_at_uprn,

    from families
    where families.household_id not in (select household_id from kept)

),

issued_per_uprn as (

    -- How many ids each UPRN has given (ids are 'FAM-<uprn>' then 'FAM-<uprn>-2', -3, ...).
    select regexp_extract(family_id, '^FAM-([0-9]+)', 1) as uprn, count(*) as issued_count,
    from issued
    group by 1

),

numbered_new as (

    select
        new_households.household_id,
        new_households.new_at_uprn + coalesce(issued_per_uprn.issued_count, 0) as id_number,
        new_households.uprn,

    from new_households
    left join issued_per_uprn
        on new_households.uprn = issued_per_uprn.uprn

),

new_ids as (

    select
        household_id,
        case
            when id_number = 1 then 'FAM-' || uprn
            else 'FAM-' || uprn || '-' || id_number
        end as family_id,

    from numbered_new

),

predecessors as (

    -- The previous families this household took members from, other than the one it continues;
    -- those no household continues have ended here (merged into it, or it split from them).
    select
        member_overlaps.household_id,
        list(member_overlaps.family_id order by member_overlaps.family_id) as predecessor_family_ids,
        bool_or(member_overlaps.family_id not in (select family_id from kept)) as has_ended_predecessor,

    from member_overlaps
    left join kept
        on member_overlaps.household_id = kept.household_id
    where member_overlaps.family_id is distinct from kept.family_id
    group by member_overlaps.household_id

),

member_lists as (

    select household_id, list(person_id order by person_id) as person_ids,
    from family_members
    group by household_id

),

final as (

    select
        this_run.assignment_run,
        families.as_at_date,
        coalesce(kept.family_id, new_ids.family_id) as family_id,
        families.household_id,
        families.uprn,
        member_lists.person_ids,
        -- Earlier families (other than the one it continues) whose members are now in this one.
        coalesce(predecessors.predecessor_family_ids, []) as predecessor_family_ids,
        case
            when kept.family_id is null and predecessors.household_id is null then 'new'
            when kept.family_id is null then 'split'
            when coalesce(predecessors.has_ended_predecessor, false) then 'merged'
            else 'continued'
        end as id_change,

    from families
    cross join this_run
    inner join member_lists
        on families.household_id = member_lists.household_id
    left join kept
        on families.household_id = kept.household_id
    left join new_ids
        on families.household_id = new_ids.household_id
    left join predecessors
        on families.household_id = predecessors.household_id

)

select * from final
