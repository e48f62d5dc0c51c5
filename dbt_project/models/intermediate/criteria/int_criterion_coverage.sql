-- For each criterion of the rule set: the sources its indicators read (indicator catalogue)
-- that tonight's warehouse lacks (int_source_coverage: missing or overdue). A criterion with
-- any is not fully assessable: a family that does not meet it may meet it on data that never
-- came, so it is reported "not assessed", not "not met".
with

rules as (

    select * from {{ ref('int_indicator_rules') }}

),

coverage as (

    select * from {{ ref('int_source_coverage') }}

),

criterion_sources as (

    select distinct
        rules.criterion_code,
        unnest(string_split(rules.source_datasets, ' ')) as source_dataset,
    from rules

),

final as (

    select
        criterion_sources.criterion_code,
        list(distinct criterion_sources.source_dataset order by criterion_sources.source_dataset)
            filter (where coverage.is_unavailable) as unavailable_sources,
        coalesce(bool_or(coverage.is_unavailable), false) as has_unavailable_source,

    from criterion_sources
    left join coverage
        on criterion_sources.source_dataset = coverage.source_dataset
    group by criterion_sources.criterion_code

)

select * from final
