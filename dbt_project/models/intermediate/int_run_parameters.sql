-- One row: the as-at date and the rule set this run speaks for. Every rule reads its dates
-- from here, so a run for a past date sees the world as it was known then. Unset, the as-at
-- date is the latest date every source's extracts cover (int_extract_dates): the earliest of
-- the sources' latest extracts, not the latest of any one source, which the others have not
-- reported up to yet. A source that is overdue (int_source_coverage) does not hold the night
-- back to its last extract: its criteria are marked not assessed instead.
with

rule_sets as (

    select * from {{ ref('rule_sets') }}

),

coverage as (

    select * from {{ ref('int_source_coverage') }}

),

parameters as (

    select
        {% if var('as_at_date') -%}
        date '{{ var("as_at_date") }}' as as_at_date,
        {%- else -%}
        (select min(latest_extract_on) from coverage where not is_unavailable) as as_at_date,
        {%- endif %}
        rule_set_version,
        headline_count,
        min_criteria,
        '{{ var("cost_price_year") }}' as cost_price_year,

    from rule_sets
    where rule_set_version = '{{ var("rule_set") }}'

)

select * from parameters
