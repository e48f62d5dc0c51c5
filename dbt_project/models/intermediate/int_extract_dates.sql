-- The latest extract date of each source as loaded: the default as-at date is the latest of them.

{#- Every agency dataset: those naming a person, and the gazetteer. -#}
{%- set staging_models = person_staging_models() + ['stg_council_gis__gazetteers'] %}

with

unioned as (

    {% for model in staging_models %}
    select
        '{{ model }}' as staging_model,
        max(extracted_on) as extracted_on,
    from {{ ref(model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from unioned
