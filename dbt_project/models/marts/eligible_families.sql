-- Families meeting the rule set's eligibility rule (FF2015: at least 2 of the 6 problems).
-- Advisory: a person decides who is offered a keyworker.
with

eligibility as (

    select * from {{ ref('int_family_eligibility') }}

),

final as (

    select
        family_id,
        household_id,
        uprn,
        {% for n in range(1, 11) -%}
        has_criterion_{{ n }},
        {% endfor -%}
        criteria_count,
        criteria_met,
        min_criteria,
        rule_set_version,
        as_at_date,
        criteria_not_assessed,
        unavailable_sources,

    from eligibility
    where is_eligible

)

select * from final
