-- Where each person lives as at the as-at date (one UPRN at most), by three rules in turn:
-- their own records (int_person_addresses__by_records), else with the children they lived
-- with, who have all moved (int_person_addresses__with_children, which overrides rule 1 for
-- an adult not heard of since), else by their latest postcode and a resident's surname or
-- former address (int_person_addresses__by_postcode_and_surname, for people neither places).
with

placed_by_records as (

    select * from {{ ref('int_person_addresses__by_records') }}

),

moved_with_children as (

    select * from {{ ref('int_person_addresses__with_children') }}

),

placed_by_postcode_and_surname as (

    select * from {{ ref('int_person_addresses__by_postcode_and_surname') }}

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

)

select * from placed
union all
select * from placed_by_postcode_and_surname
