{#- Every version of a raw source's records, the same whatever date a run speaks for. Loads
    accumulate, and a later extract can restate a record (a delta re-sends an episode when it
    closes; a snapshot lists its population again). A row repeated within one extract is no
    version of its own (the file's last row wins); each remaining version carries
    _superseded_on, the extract date of the next version of the same key (null while it is the
    latest). Intermediate models choose the version current at the as-at date
    (macros/as_at.sql): staging never reads a run's dates. -#}
{% macro source_versions(table_name, key_columns) -%}
    {%- set keys -%}
        {%- for column in key_columns %}"{{ column }}"{{ ", " if not loop.last }}{% endfor -%}
    {%- endset -%}
    select *
    from (
        select
            *,
            lead(_extract_date) over (
                partition by {{ keys }}
                order by _extract_date, _row_number
            ) as _superseded_on,
        from {{ source('raw', table_name) }}
    )
    where _superseded_on is null or _superseded_on > _extract_date
{%- endmacro %}


{#- '<agency>__<dataset>:' || primary key (composite keys joined with '|'), as truth and
    linkage expect. -#}
{% macro record_id(table_name, key_columns) -%}
    '{{ table_name }}:' || {% for column in key_columns %}cast("{{ column }}" as varchar){{ " || '|' || " if not loop.last }}{% endfor %}
{%- endmacro %}
