-- Every source the contracts expect, and whether tonight's warehouse has it. The raw sources
-- (models/staging/_sources.yml, one per contract) carry the contract's
-- max_days_between_extracts. A source is 'missing' when no extract of it was ever loaded,
-- 'overdue' when its latest extract is more than that many days older than the newest extract
-- of any source (the night's news: extract dates, not the wall clock, so a replayed or
-- synthetic night is judged by its own calendar), else 'current'. The criteria an unavailable
-- source feeds are marked not assessed (int_criterion_coverage), never silently "not met";
-- the Dagster check source_coverage fails naming each one.
{%- set expected = [] %}
{%- if execute %}
{%- for node in graph.sources.values() if node.source_name == 'raw' %}
{%- do expected.append((node.name, node.meta.get('max_days_between_extracts'))) %}
{%- endfor %}
{%- endif %}

with

extract_dates as (

    select * from {{ ref('int_extract_dates') }}

),

expected as (

    {% for name, max_days in expected | sort -%}
    select
        '{{ name }}' as source_dataset,
        cast({{ max_days if max_days is not none else 'null' }} as integer)
            as max_days_between_extracts,
    {% if not loop.last %}union all
    {% endif %}
    {%- else -%}
    select cast(null as varchar) as source_dataset, cast(null as integer) as max_days_between_extracts,
    where false
    {%- endfor %}

),

newest as (

    select max(extracted_on) as newest_extract_on from extract_dates

),

final as (

    select
        expected.source_dataset,
        expected.max_days_between_extracts,
        extract_dates.extracted_on as latest_extract_on,
        newest.newest_extract_on,
        case
            when extract_dates.extracted_on is null then 'missing'
            when date_diff('day', extract_dates.extracted_on, newest.newest_extract_on)
                > expected.max_days_between_extracts then 'overdue'
            else 'current'
        end as coverage_status,
        coverage_status <> 'current' as is_unavailable,

    from expected
    cross join newest
    left join extract_dates
        on expected.source_dataset = extract_dates.source_dataset

)

select * from final
