-- The latest extract date of each source as loaded, and so the date the loaded data covers.
-- A source's extracts cover events up to their extract date: the date every source covers is
-- the earliest of the sources' latest extracts (`limits_coverage` marks the sources that set
-- it), and that is the default as-at date (int_run_parameters). The latest extract of any one source (the
-- school term's end, a late delta) is later than that, but the others have not reported up to
-- it yet: a run speaking for that day would miss whatever they have not sent.
-- A source's latest extract is the latest file ingest loaded for it (ops.load_register, which
-- also knows a header-only extract: a source with nothing new to send still reports), or the
-- latest extract among its rows where there is no register (a hand-built warehouse).

{#- Every agency dataset: those naming a person, and the gazetteer. -#}
{%- set staging_models = person_staging_models() + ['stg_council_gis__gazetteers'] %}
{%- set register = adapter.get_relation(database=target.database, schema='ops', identifier='load_register') if execute else none %}

with

from_rows as (

    {% for model in staging_models %}
    select
        '{{ model }}' as staging_model,
        {% if model == 'stg_council_gis__gazetteers' -%}
        'council_gis__gazetteer' as source_dataset,
        {%- else -%}
        max(source_dataset) as source_dataset,
        {%- endif %}
        max(extracted_on) as extracted_on,
    from {{ ref(model) }}
    {% if var('as_at_date') -%}
    -- (staging holds every extract; a run for a past date knows those made by then)
    where extracted_on <= date '{{ var("as_at_date") }}'
    {%- endif %}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

registered as (

    {% if register %}
    select
        replace(dataset, '/', '__') as source_dataset,
        max(cast(extract_date as date)) as registered_on,
    from {{ register }}
    where outcome in ('loaded', 'skipped', 'unchanged')
        and extract_date is not null
        {% if var('as_at_date') -%}
        and cast(extract_date as date) <= date '{{ var("as_at_date") }}'
        {%- endif %}
    group by 1
    {% else %}
    select cast(null as varchar) as source_dataset, cast(null as date) as registered_on
    where false
    {% endif %}

),

dated as (

    -- A source with no rows at all (every extract header-only) is known by the register
    -- alone, under its dataset name (staging_model is then null).
    select
        from_rows.staging_model,
        coalesce(from_rows.source_dataset, registered.source_dataset) as source_dataset,
        greatest(from_rows.extracted_on, registered.registered_on) as extracted_on,

    from from_rows
    full outer join registered
        on from_rows.source_dataset = registered.source_dataset
    where coalesce(from_rows.extracted_on, registered.registered_on) is not null

),

final as (

    select
        *,
        extracted_on = min(extracted_on) over () as limits_coverage,

    from dated

)

select * from final
