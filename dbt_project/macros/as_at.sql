{#- The as-at date of the run, as a SQL date expression. When var('as_at_date') is unset it
    is the latest date every source's loaded extracts cover: the earliest of the sources'
    latest extract dates (int_extract_dates; the demo default). -#}
{% macro as_at_date() -%}
    {%- if var('as_at_date') -%}
        date '{{ var("as_at_date") }}'
    {%- else -%}
        (select min(extracted_on) from {{ ref('int_extract_dates') }})
    {%- endif -%}
{%- endmacro %}


{#- A raw source as it stood at the as-at date. Loads accumulate, so every row extracted on
    or before the date is kept, deduplicated on the primary key keeping the latest version
    (a later delta restates a record, e.g. an episode re-sent when it closes).
    _is_latest_extract marks the rows of a snapshot source's latest extract on or before the
    date: the population as it stood then, which is what current-state rules read. The latest
    extract is the latest file ingest loaded (ops.load_register, where there is one), not the
    latest file that had rows: a header-only snapshot says nobody is on it now, so the rows
    of an earlier extract are not current. Earlier
    snapshot rows stay for residence histories and so that linkage knows every record a past
    as-at run can ask about. -#}
{% macro source_as_at(table_name, kind, key_columns) -%}
    {%- set relation = source('raw', table_name) -%}
    {%- if var('as_at_date') -%}
        {%- set cutoff = "date '" ~ var('as_at_date') ~ "'" -%}
    {%- else -%}
        {%- set cutoff = "date '9999-12-31'" -%}
    {%- endif -%}
    {%- set register = adapter.get_relation(database=target.database, schema='ops', identifier='load_register') if execute else none -%}
    select
        *,
        {% if kind == 'snapshot' -%}
        _extract_date = greatest(
            max(_extract_date) over (),
            {%- if register %}
            (
                select max(cast(extract_date as date))
                from {{ register }}
                where replace(dataset, '/', '__') = '{{ table_name }}'
                    and outcome in ('loaded', 'skipped', 'unchanged')
                    and cast(extract_date as date) <= {{ cutoff }}
            )
            {%- else %}
            cast(null as date)
            {%- endif %}
        ) as _is_latest_extract,
        {%- else -%}
        true as _is_latest_extract,
        {%- endif %}
    from {{ relation }}
    where _extract_date <= {{ cutoff }}
    qualify row_number() over (
        partition by {% for column in key_columns %}"{{ column }}"{{ ", " if not loop.last }}{% endfor %}
        order by _extract_date desc, _row_number desc
    ) = 1
{%- endmacro %}


{#- '<agency>__<dataset>:' || primary key (composite keys joined with '|'), as truth and
    linkage expect. -#}
{% macro record_id(table_name, key_columns) -%}
    '{{ table_name }}:' || {% for column in key_columns %}cast("{{ column }}" as varchar){{ " || '|' || " if not loop.last }}{% endfor %}
{%- endmacro %}


{#- A record counts for an indicator when the period it speaks of overlaps the indicator's
    window [window_started_on, as_at_date]. A dated event has no end (its end is its start);
    an episode still open has a null end. With window_kind 'current' the window is the as-at
    day itself, so only what is open on that day counts. -#}
{% macro overlaps_window(started_on, ended_on, rules) -%}
    ({{ started_on }} <= {{ rules }}.as_at_date
     and coalesce({{ ended_on }}, {{ rules }}.as_at_date) >= {{ rules }}.window_started_on)
{%- endmacro %}

{% macro in_window(event_on, rules) -%}
    ({{ event_on }} between {{ rules }}.window_started_on and {{ rules }}.as_at_date)
{%- endmacro %}
