-- Estimated annual cost to public services of each family, from the unit cost seed uprated
-- to var('cost_price_year') with the GDP deflator seed: per-event costs for each qualifying
-- record, person-year costs once per person and indicator. No personal data is involved.
with

family_events as (

    select * from {{ ref('int_family_indicator_events') }}

),

unit_costs as (

    select * from {{ ref('unit_costs') }}

),

deflators as (

    select * from {{ ref('gdp_deflators') }}

),

parameters as (

    select * from {{ ref('int_run_parameters') }}

),

uprated as (

    select
        unit_costs.cost_code,
        unit_costs.cost_basis,
        unit_costs.value_gbp,
        unit_costs.price_year,
        unit_costs.value_gbp * target.deflator_index / base.deflator_index as value_gbp_uprated,

    from unit_costs
    cross join parameters
    inner join deflators as base
        on unit_costs.price_year = base.financial_year
    inner join deflators as target
        on parameters.cost_price_year = target.financial_year

),

costed as (

    select
        family_events.family_id,
        family_events.person_id,
        family_events.indicator_code,
        uprated.cost_code,
        case uprated.cost_basis
            when 'per_event' then family_events.record_count
            else 1
        end * uprated.value_gbp_uprated as cost_gbp,

    from family_events
    inner join uprated
        on family_events.cost_code = uprated.cost_code
    -- An absent parent's costs fall on their own household.
    where not family_events.is_absent_parent

),

per_family as (

    select
        family_id,
        round(sum(cost_gbp), 0) as estimated_annual_cost_gbp,
        list(distinct cost_code order by cost_code) as cost_codes,

    from costed
    group by family_id

)

select * from per_family
