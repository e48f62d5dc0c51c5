{#- DfE school census day for a census term written '<yyyy>/<yy> <AUT|SPR|SUM>': AUT the
    first Thursday of October of the first year; SPR the third Thursday of January and SUM the
    third Thursday of May of the second year. Null for any other spelling. -#}
{% macro census_day(term) -%}
{%- set y = "try_cast(left(trim(" ~ term ~ "), 4) as integer)" -%}
{%- set t = "upper(right(trim(" ~ term ~ "), 3))" -%}
{%- set anchor -%}
case {{ t }}
    when 'AUT' then make_date({{ y }}, 10, 1)
    when 'SPR' then make_date({{ y }} + 1, 1, 1)
    when 'SUM' then make_date({{ y }} + 1, 5, 1)
end
{%- endset -%}
(
    ({{ anchor }})
    + to_days(cast(((4 - isodow({{ anchor }})) + 7) % 7 as integer))
    + to_days(case when {{ t }} in ('SPR', 'SUM') then 14 else 0 end)
)
{%- endmacro %}
