{#- Fails on every row where the expression is false (a readable rule, e.g. criteria_count >= min_criteria). -#}
{% test expression_is_true(model, expression, column_name=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}
