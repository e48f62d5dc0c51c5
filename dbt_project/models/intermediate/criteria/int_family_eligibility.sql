-- One row per family: a flag per criterion (crit 1..10; beyond the rule set's headline
-- count they are null), how many are met, and eligibility (FF2015: 2 of 6; SFOF2022: 3).
with

family_criteria as (

    select * from {{ ref('int_family_criteria') }}

),

parameters as (

    select * from {{ ref('int_run_parameters') }}

),

pivoted as (

    select
        family_id,
        household_id,
        uprn,
        rule_set_version,
        as_at_date,
        {% for n in range(1, 11) -%}
        bool_or(is_met) filter (where criterion_code = {{ n }}) as has_criterion_{{ n }},
        {% endfor -%}
        count(*) filter (where is_met) as criteria_count,
        list(criterion_code order by criterion_code) filter (where is_met) as criteria_met,
        -- Criteria a missing or overdue source left unassessed (not met on what came).
        coalesce(
            list(criterion_code order by criterion_code) filter (where not is_assessed), []
        ) as criteria_not_assessed,
        coalesce(
            list_sort(list_distinct(flatten(list(unavailable_sources)))), []
        ) as unavailable_sources,

    from family_criteria
    group by family_id, household_id, uprn, rule_set_version, as_at_date

),

assessed as (

    select
        pivoted.*,
        parameters.min_criteria,
        pivoted.criteria_count >= parameters.min_criteria as is_eligible,

    from pivoted
    cross join parameters

)

select * from assessed
