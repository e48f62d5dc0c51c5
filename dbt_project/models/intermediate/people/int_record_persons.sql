-- Every person record known as at the run's date, with the stable person id linkage gave it
-- and the UPRN its address matched. A record linkage has not (yet) placed in a cluster stands
-- for a person of its own. A run for a past as-at date reads each record's version known
-- then (staging keeps every version), so it sees exactly the records extracted by then; a
-- run without one reads int_person_records, the latest versions linkage read this night.
-- A parent property shell (gazetteer class PP: the building of a block's flats) is never a
-- residence: a record that matched one is placed at the flat (a child UPRN of that shell)
-- where the person's own records place them, if exactly one; otherwise it places no one
-- (uprn null, is_unplaced_at_shell, counted in the families asset's metadata) and the person
-- is placed by their other records or the postcode rules of int_person_addresses.
with

person_records as (

    {% if var('as_at_date') -%}
    {% for model in person_staging_models() %}
    select record_id, source_dataset, dob, sex, surname, postcode, event_date
    from ({{ rows_as_at(model) }})
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
    {%- else -%}
    select record_id, source_dataset, dob, sex, surname, postcode, event_date
    from {{ ref('int_person_records') }}
    {%- endif %}

),

person_index as (

    select * from {{ ref('stg_linkage__person_index') }}

),

record_uprns as (

    select * from {{ ref('stg_linkage__record_uprns') }}

),

gazetteer as (

    -- Each UPRN as the latest gazetteer extract that lists it describes it.
    select uprn, parent_uprn, is_property_shell,
    from ({{ rows_as_at('stg_council_gis__gazetteers') }})
    qualify row_number() over (partition by uprn order by extracted_on desc nulls last) = 1

),

joined as (

    select
        person_records.record_id,
        person_records.source_dataset,
        split_part(person_records.source_dataset, '__', 1) as agency,
        coalesce(person_index.person_id, 'unlinked:' || person_records.record_id) as person_id,
        person_index.person_id is not null as is_linked,
        person_records.dob,
        person_records.sex,
        person_records.surname,
        person_records.postcode,
        person_records.event_date as event_on,
        case
            when record_uprns.match_status in (
                {%- for status in var('residence_match_statuses') %}'{{ status }}'{{ ", " if not loop.last }}{% endfor -%}
            )
                then record_uprns.uprn
        end as matched_uprn,
        coalesce(gazetteer.is_property_shell and matched_uprn is not null, false)
            as is_at_property_shell,

    from person_records
    left join person_index
        on person_records.record_id = person_index.record_id
    left join record_uprns
        on person_records.record_id = record_uprns.record_id
    left join gazetteer
        on record_uprns.uprn = gazetteer.uprn

),

flats_of_shells as (

    -- For a person with a record at a shell: the shell's flats their other records place them at.
    select distinct shell_records.person_id, shell_records.matched_uprn as shell_uprn,
        flat_records.matched_uprn as flat_uprn,
    from joined as shell_records
    inner join joined as flat_records
        on shell_records.person_id = flat_records.person_id
        and not flat_records.is_at_property_shell
    inner join gazetteer as flats
        on flat_records.matched_uprn = flats.uprn
        and flats.parent_uprn = shell_records.matched_uprn
    where shell_records.is_at_property_shell

),

one_flat as (

    select person_id, shell_uprn, min(flat_uprn) as flat_uprn,
    from flats_of_shells
    group by person_id, shell_uprn
    having count(*) = 1

),

resolved as (

    select
        joined.* exclude (matched_uprn),
        case
            when not joined.is_at_property_shell then joined.matched_uprn
            else one_flat.flat_uprn
        end as uprn,
        joined.matched_uprn,
        joined.is_at_property_shell and one_flat.flat_uprn is null as is_unplaced_at_shell,

    from joined
    left join one_flat
        on joined.person_id = one_flat.person_id
        and joined.matched_uprn = one_flat.shell_uprn

)

select * from resolved
