{#- The standard person schema's columns of a staging model, in order: record_id,
    source_dataset, source_person_ref, first_name, middle_names, surname, dob, sex, address,
    postcode, nhs_number, upn, ni_number, event_date. Every staging model that names a person
    starts its select with them (int_person_records unions them), so how a field is
    standardised is written once, here and in people.sql.

    Arguments are SQL expressions (quote column names: '"SURNAME"'), none where the source
    does not hold the field:
      table_name, key_columns  the raw table and its primary key (record_id)
      person_ref               the source's own person reference
      forenames + surname      "Forename Middle Names" and a surname column, or
      comma_name               one "SURNAME, Forename Middle" column
      middle_names             a column of its own (overrides the split of forenames)
      dob, event_date          cast to date
      sex                      coded M/F/U by sex_code; none: 'U'
      address                  one column (trimmed, empty as null) or a list of lines (joined)
      postcode, nhs_number, upn, ni_number
-#}
{% macro person_columns(
    table_name,
    key_columns,
    person_ref,
    dob,
    event_date,
    forenames=none,
    surname=none,
    comma_name=none,
    middle_names=none,
    sex=none,
    address=none,
    postcode=none,
    nhs_number=none,
    upn=none,
    ni_number=none
) -%}
    {%- if comma_name is not none -%}
        {%- set first_name_sql = first_name_from_comma_name(comma_name) -%}
        {%- set middle_names_sql = middle_names_from_comma_name(comma_name) -%}
        {%- set surname_sql = surname_from_comma_name(comma_name) -%}
    {%- elif forenames is not none and surname is not none -%}
        {%- set first_name_sql = first_name_from_forenames(forenames) -%}
        {%- set middle_names_sql = middle_names_from_forenames(forenames) -%}
        {%- set surname_sql = "nullif(trim(" ~ surname ~ "), '')" -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("person_columns(" ~ table_name ~ "): give comma_name, or forenames and surname") }}
    {%- endif -%}
    {%- if middle_names is not none -%}
        {%- set middle_names_sql = "nullif(trim(" ~ middle_names ~ "), '')" -%}
    {%- endif -%}
    {%- if address is none -%}
        {%- set address_sql = "null" -%}
    {%- elif address is string -%}
        {%- set address_sql = "nullif(trim(" ~ address ~ "), '')" -%}
    {%- else -%}
        {%- set address_sql = join_address(address) -%}
    {%- endif -%}
        {{ record_id(table_name, key_columns) }} as record_id,
        '{{ table_name }}' as source_dataset,
        cast({{ person_ref }} as varchar) as source_person_ref,
        cast({{ first_name_sql }} as varchar) as first_name,
        cast({{ middle_names_sql }} as varchar) as middle_names,
        cast({{ surname_sql }} as varchar) as surname,
        cast({{ dob }} as date) as dob,
        cast({{ sex_code(sex) if sex is not none else "'U'" }} as varchar) as sex,
        cast({{ address_sql }} as varchar) as address,
        cast({{ postcode if postcode is not none else 'null' }} as varchar) as postcode,
        cast({{ nhs_number if nhs_number is not none else 'null' }} as varchar) as nhs_number,
        cast({{ upn if upn is not none else 'null' }} as varchar) as upn,
        cast({{ ni_number if ni_number is not none else 'null' }} as varchar) as ni_number,
        cast({{ event_date }} as date) as event_date,
{%- endmacro %}


{#- The lineage columns every staging model ends with. -#}
{% macro lineage_columns() -%}
        _extract_date as extracted_on,
        _superseded_on as superseded_on,
        _load_id as load_id,
{%- endmacro %}
