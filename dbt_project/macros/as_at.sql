{#- The as-at date: applied here, in intermediate models, never in staging (staging holds
    every version of every record, macros/source_versions.sql). -#}

{#- Whether a staging row (`versions` alias) is the version of its record known at the run's
    date: extracted by then and not restated by then. Without var('as_at_date') every extract
    loaded is known (rows extracted after the default as-at date still tell where people
    live), so the latest version of each record. -#}
{% macro is_known_version(versions='versions') -%}
    {%- if var('as_at_date') -%}
    ({{ versions }}.extracted_on <= date '{{ var("as_at_date") }}'
     and ({{ versions }}.superseded_on is null
          or {{ versions }}.superseded_on > date '{{ var("as_at_date") }}'))
    {%- else -%}
    ({{ versions }}.superseded_on is null)
    {%- endif -%}
{%- endmacro %}


{#- A staging model as known at the run's date: one row per record, its version then. -#}
{% macro rows_as_at(model_name) -%}
    select versions.* exclude (superseded_on),
    from {{ ref(model_name) }} as versions
    where {{ is_known_version('versions') }}
{%- endmacro %}


{#- A snapshot source's population as it stood at the run's date: the rows of its latest
    extract by then (int_extract_dates: the latest file ingest loaded, so a header-only
    snapshot leaves no current rows). Earlier snapshot rows stay in rows_as_at for residence
    histories. -#}
{% macro latest_snapshot_as_at(model_name) -%}
    {{ rows_as_at(model_name) }}
        and versions.extracted_on = (
            select latest.extracted_on
            from {{ ref('int_extract_dates') }} as latest
            where latest.staging_model = '{{ model_name }}'
        )
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
