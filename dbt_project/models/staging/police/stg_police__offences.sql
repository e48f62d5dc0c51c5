-- Recorded offences with Home Office outcome: one row per suspect per offence.
-- delta source: every row extracted up to var('as_at_date'), latest version of each key.
with

source as (

    {{ source_as_at('police__offences', 'delta', ['CRIME_REF', 'NOMINAL_ID']) }}

),

renamed as (

    select
        {{ record_id('police__offences', ['CRIME_REF', 'NOMINAL_ID']) }} as record_id,
        'police__offences' as source_dataset,
        cast("NOMINAL_ID" as varchar) as source_person_ref,
        cast({{ first_name_from_forenames("\"FORENAMES\"") }} as varchar) as first_name,
        cast({{ middle_names_from_forenames("\"FORENAMES\"") }} as varchar) as middle_names,
        cast(nullif(trim("SURNAME"), '') as varchar) as surname,
        cast("DOB" as date) as dob,
        cast({{ sex_code('"SEX"') }} as varchar) as sex,
        cast(nullif(trim("ADDRESS"), '') as varchar) as address,
        cast("POSTCODE" as varchar) as postcode,
        cast(null as varchar) as nhs_number,
        cast(null as varchar) as upn,
        cast(null as varchar) as ni_number,
        cast("OFFENCE_DATE" as date) as event_date,
        "CRIME_REF" as crime_ref,
        "PNC_ID" as pnc_id,
        "OFFENCE_DATE" as offence_on,
        "OFFENCE_GROUP" as offence_group,
        "OUTCOME_CODE" as outcome_code,
        "OUTCOME_DATE" as outcome_on,
        _extract_date as extracted_on,
        _is_latest_extract as is_latest_extract,
        _load_id as load_id,

    from source

)

select * from renamed
