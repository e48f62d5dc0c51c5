{#- Standardising what agencies record about a person, without "cleaning" the names: linkage
    standardises spelling itself, so names stay as recorded apart from being split. -#}

{#- "SURNAME, Forename Middle" -> surname -#}
{% macro surname_from_comma_name(column) -%}
    nullif(trim(split_part({{ column }}, ',', 1)), '')
{%- endmacro %}

{#- "SURNAME, Forename Middle" -> Forename -#}
{% macro first_name_from_comma_name(column) -%}
    nullif(split_part(trim(substr({{ column }}, strpos({{ column }}, ',') + 1)), ' ', 1), '')
{%- endmacro %}

{#- "SURNAME, Forename Middle" -> Middle (null when there is none) -#}
{% macro middle_names_from_comma_name(column) -%}
    {{ middle_names_from_forenames("trim(substr(" ~ column ~ ", strpos(" ~ column ~ ", ',') + 1))") }}
{%- endmacro %}

{#- "Forename Middle Names" -> Forename -#}
{% macro first_name_from_forenames(column) -%}
    nullif(split_part(trim({{ column }}), ' ', 1), '')
{%- endmacro %}

{#- "Forename Middle Names" -> Middle Names -#}
{% macro middle_names_from_forenames(column) -%}
    nullif(trim(substr(trim({{ column }}), strpos(trim({{ column }}) || ' ', ' ') + 1)), '')
{%- endmacro %}

{#- M / F / U from the codings agencies use (M/F, Male/Female, NHS 1/2, 0/9 unknown). -#}
{% macro sex_code(column) -%}
    case
        when upper(trim(cast({{ column }} as varchar))) in ('M', 'MALE', '1') then 'M'
        when upper(trim(cast({{ column }} as varchar))) in ('F', 'FEMALE', '2') then 'F'
        else 'U'
    end
{%- endmacro %}

{#- Address lines joined with ', ', skipping empty lines. -#}
{% macro join_address(columns) -%}
    nullif(concat_ws(', ', {% for column in columns %}nullif(trim({{ column }}), ''){{ ", " if not loop.last }}{% endfor %}), '')
{%- endmacro %}

{#- Whole years of age on a date. -#}
{% macro age_on(dob, on_date) -%}
    (date_part('year', {{ on_date }}) - date_part('year', {{ dob }})
     - case when strftime({{ on_date }}, '%m%d') < strftime({{ dob }}, '%m%d') then 1 else 0 end)
{%- endmacro %}
