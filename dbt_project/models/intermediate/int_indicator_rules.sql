-- The selected rule set's indicators with their windows resolved to dates:
-- days: the N days up to and including as-at (365: a record 365 days before is out);
-- months: events on or after as-at minus N months;
-- terms: events from the start of the Nth most recent term ending on or before as-at;
-- current: open on the as-at date itself.
with

catalogue as (

    select * from {{ ref('indicator_catalogue') }}

),

criteria as (

    select * from {{ ref('criteria') }}

),

terms as (

    select * from {{ ref('school_terms') }}

),

parameters as (

    select * from {{ ref('int_run_parameters') }}

),

recent_terms as (

    select
        terms.term_started_on,
        row_number() over (order by terms.term_ended_on desc) as terms_back,

    from terms
    cross join parameters
    where terms.term_ended_on <= parameters.as_at_date

),

resolved as (

    select
        catalogue.rule_set_version,
        catalogue.indicator_code,
        catalogue.criterion_code,
        criteria.criterion_name,
        catalogue.description,
        catalogue.source_datasets,
        catalogue.legal_gateways,
        catalogue.window_kind,
        catalogue.window_length,
        catalogue.threshold,
        catalogue.threshold_unit,
        catalogue.weight,
        catalogue.applies_to,
        catalogue.age_on,
        nullif(catalogue.cost_code, '') as cost_code,
        parameters.as_at_date,
        case catalogue.window_kind
            when 'days' then cast(parameters.as_at_date - to_days(catalogue.window_length - 1) as date)
            when 'months' then cast(parameters.as_at_date - to_months(catalogue.window_length) as date)
            when 'terms' then (
                select min(recent_terms.term_started_on)
                from recent_terms
                where recent_terms.terms_back <= catalogue.window_length
            )
            else parameters.as_at_date
        end as window_started_on,

    from catalogue
    inner join parameters
        on catalogue.rule_set_version = parameters.rule_set_version
    left join criteria
        on catalogue.rule_set_version = criteria.rule_set_version
        and catalogue.criterion_code = criteria.criterion_code

)

select * from resolved
