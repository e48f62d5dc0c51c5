-- The standard person schema (docs/architecture.md): one row per source record that names a
-- person. Linkage reads this table; names stay as recorded (linkage standardises them).
-- Incremental: a night adds the records whose current version came from a load this table
-- has not seen (new records, and records a later extract restated, which replace their
-- row): each record's latest version, whatever date a run speaks for, so this table stays as
-- linkage saw it (a past as-at run reads older versions from staging, int_record_persons).
-- Loads only ever add rows to raw, so nothing else changes. Build with --full-refresh
-- after changing this model or a staging model's person columns, or after raw rows are
-- disposed of.
{{ config(
    materialized='incremental',
    unique_key='record_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}

{%- set person_models = person_staging_models() %}

with

{% if is_incremental() -%}
seen_loads as (

    select distinct load_id from {{ this }} where load_id is not null

),

{% endif -%}
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
        load_id,
    from {{ ref(model) }}
    where superseded_on is null
    {% if is_incremental() -%}
        -- (a record without a load id, in a hand-built warehouse, is always re-read)
        and (load_id is null or load_id not in (select load_id from seen_loads))
    {%- endif %}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from unioned
