-- The standard person schema (docs/architecture.md): one row per source record that names a
-- person. Linkage reads this table; names stay as recorded (linkage standardises them).

{%- set person_models = person_staging_models() %}

with

unioned as (

    {% for model in person_models %}
    select
        record_id,
        source_dataset,
        source_person_ref,
        first_name,
        middle_names,
        surname,
        dob,
        sex,
        address,
        postcode,
        nhs_number,
        upn,
        ni_number,
        event_date,
    from {{ ref(model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from unioned
