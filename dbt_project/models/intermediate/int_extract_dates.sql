-- The latest extract date of each source as loaded: the default as-at date is the latest of them.

{%- set staging_models = [
    'stg_council_education__alternative_provisions',
    'stg_council_education__attendances',
    'stg_council_education__exclusions',
    'stg_council_education__neets',
    'stg_council_education__school_census',
    'stg_council_gis__gazetteers',
    'stg_council_housing__asb_cases',
    'stg_council_housing__homelessness',
    'stg_council_housing__tenancies',
    'stg_council_revenues__benefit_caps',
    'stg_council_social_care__episodes',
    'stg_council_social_care__referrals',
    'stg_dwp__out_of_work_benefits',
    'stg_nhs__ae_attendances',
    'stg_nhs__child_healths',
    'stg_nhs__maternities',
    'stg_nhs__mental_healths',
    'stg_nhs__substance_misuses',
    'stg_police__arrests',
    'stg_police__asb_incidents',
    'stg_police__custody_releases',
    'stg_police__domestic_abuses',
    'stg_police__exploitation_risks',
    'stg_police__missing_episodes',
    'stg_police__offences',
    'stg_police__orders',
] %}

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
