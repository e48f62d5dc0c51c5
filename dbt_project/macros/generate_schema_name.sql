{#- Schemas are exactly staging, intermediate, marts (and reference for seeds): other stages
    and `families explain` read them by these names, whatever the target. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
