-- Every person record known as at the run's date, with the stable person id linkage gave it
-- and the UPRN its address matched. A record linkage has not (yet) placed in a cluster stands
-- for a person of its own. A run for a past as-at date reads staging (re-created for that
-- date), so it sees exactly the records extracted by then; a run without one reads
-- int_person_records, the union of the same staging views that linkage read this night.
with

person_records as (

    {% if var('as_at_date') -%}
    {% for model in person_staging_models() %}
    select record_id, source_dataset, dob, sex, surname, postcode, event_date
    from {{ ref(model) }}
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
        end as uprn,

    from person_records
    left join person_index
        on person_records.record_id = person_index.record_id
    left join record_uprns
        on person_records.record_id = record_uprns.record_id

)

select * from joined
