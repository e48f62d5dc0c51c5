-- The eligible families in priority order: number of criteria first (the agreement's
-- initial focus), then the weighted indicator score (weights per indicator in the
-- catalogue seed), then the estimated annual cost to public services.
with

eligibility as (

    select * from {{ ref('int_family_eligibility') }}

),

family_events as (

    select * from {{ ref('int_family_indicator_events') }}

),

family_criteria as (

    select * from {{ ref('int_family_criteria') }}

),

costs as (

    select * from {{ ref('int_family_costs') }}

),

-- Weights count once per indicator per family, and only on criteria that are counted.
weighted as (

    select
        family_events.family_id,
        sum(distinct_indicators.weight) as weighted_score,

    from (
        select distinct family_id, indicator_code, criterion_code, weight, is_absent_parent
        from family_events
    ) as distinct_indicators
    inner join family_criteria
        on distinct_indicators.family_id = family_criteria.family_id
        and distinct_indicators.criterion_code = family_criteria.criterion_code
        and family_criteria.is_met
        and (not distinct_indicators.is_absent_parent or family_criteria.is_met_by_absent_parent)
    inner join (select distinct family_id from family_events) as family_events
        on distinct_indicators.family_id = family_events.family_id
    group by family_events.family_id

),

scored as (

    select
        eligibility.family_id,
        eligibility.household_id,
        eligibility.uprn,
        eligibility.criteria_count,
        coalesce(weighted.weighted_score, 0) as weighted_score,
        coalesce(costs.estimated_annual_cost_gbp, 0) as estimated_annual_cost_gbp,
        '{{ var("cost_price_year") }}' as cost_price_year,
        eligibility.rule_set_version,
        eligibility.as_at_date,

    from eligibility
    left join weighted
        on eligibility.family_id = weighted.family_id
    left join costs
        on eligibility.family_id = costs.family_id
    where eligibility.is_eligible

),

ranked as (

    select
        *,
        row_number() over (
            order by criteria_count desc, weighted_score desc, estimated_annual_cost_gbp desc, family_id
        ) as priority_rank,

    from scored

)

select * from ranked
