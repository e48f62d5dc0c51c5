-- Arrests.
-- delta source: every row extracted up to var('as_at_date'), latest version of each key.
with

source as (

    {{ source_as_at('police__arrests', 'delta', ['ARREST_REF']) }}

),

renamed as (

    select
        {{ record_id('police__arrests', ['ARREST_REF']) }} as record_id,
        'police__arrests' as source_dataset,
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
        cast("ARREST_DATE" as date) as event_date,
        "PNC_ID" as pnc_id,
        "ARREST_DATE" as arrested_on,
        "ARREST_REASON" as arrest_reason,
        _extract_date as extracted_on,
        _is_latest_extract as is_latest_extract,
        _load_id as load_id,

    from source

)

select * from renamed
