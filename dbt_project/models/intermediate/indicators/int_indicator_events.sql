-- One row per indicator hit: a person meets an indicator when enough of their records
-- qualify (the catalogue's threshold, in records; 2A's share of sessions is tested in its
-- own model) and their age fits who the indicator is about (applies_to: child under 18,
-- adult 18+, any).
-- The evidence is the list of record ids a keyworker can look up in the source system.
{%- set age_date = "case rules.age_on when 'event' then per_person.event_on else rules.as_at_date end" %}
{#- The qualifying records' own date of birth first: a cluster that linkage over-merged
    (a parent and child of one name) must not make an adult's record a child's. -#}
{%- set dob = 'coalesce(per_person.record_dob, persons.dob)' %}
{%- set record_models = [
    'int_indicator_records__crime',
    'int_indicator_records__education',
    'int_indicator_records__children',
    'int_indicator_records__work',
    'int_indicator_records__domestic_abuse',
    'int_indicator_records__health',
] %}

with

qualifying_records as (

    {% for model in record_models %}
    select * from {{ ref(model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

rules as (

    select * from {{ ref('int_indicator_rules') }}

),

persons as (

    select * from {{ ref('int_persons') }}

),

per_person as (

    select
        qualifying_records.person_id,
        qualifying_records.indicator_code,
        string_agg(distinct qualifying_records.source_dataset, ' ' order by qualifying_records.source_dataset) as source_datasets,
        min(qualifying_records.event_on) as first_event_on,
        max(qualifying_records.event_on) as event_on,
        count(distinct qualifying_records.record_id) as record_count,
        list(distinct qualifying_records.record_id order by qualifying_records.record_id) as evidence_record_ids,
        -- The latest three records in words; every record id stays in the evidence list.
        array_to_string(
            list(qualifying_records.detail order by qualifying_records.event_on desc)[1:3], '; '
        )
            || case
                when count(*) > 3 then '; and ' || (count(*) - 3) || ' earlier record(s)'
                else ''
            end as details,
        mode(qualifying_records.record_dob) as record_dob,

    from qualifying_records
    group by qualifying_records.person_id, qualifying_records.indicator_code

),

hits as (

    select
        per_person.person_id,
        per_person.indicator_code,
        rules.criterion_code,
        rules.criterion_name,
        rules.rule_set_version,
        rules.description as indicator_description,
        per_person.source_datasets,
        per_person.first_event_on,
        per_person.event_on,
        per_person.record_count,
        per_person.evidence_record_ids,
        rules.legal_gateways,
        rules.window_kind,
        rules.window_length,
        rules.window_started_on,
        rules.as_at_date,
        rules.weight,
        rules.cost_code,
        {{ age_on(dob, 'rules.as_at_date') }} as age_years,
        rules.description || ': ' || per_person.details
            || case rules.window_kind
                when 'current' then ' [open on ' || rules.as_at_date || ']'
                else ' [window ' || rules.window_started_on || ' to ' || rules.as_at_date || ']'
            end as reason,

    from per_person
    inner join rules
        on per_person.indicator_code = rules.indicator_code
    left join persons
        on per_person.person_id = persons.person_id
    where per_person.record_count >= case
            when rules.threshold_unit = 'records' then rules.threshold
            else 1
        end
        -- Age on the as-at date, or on the (latest) event where the catalogue says so
        -- (released as an adult, missing as a child). Unknown age keeps the hit.
        and case rules.applies_to
            when 'child' then coalesce({{ age_on(dob, age_date) }} < 18, true)
            when 'adult' then coalesce({{ age_on(dob, age_date) }} >= 18, true)
            else true
        end

)

select * from hits
