-- Anti-social behaviour incidents: one row per person linked to an incident.
-- delta source: every row extracted up to var('as_at_date'), latest version of each key.
with

source as (

    {{ source_as_at('police__asb_incidents', 'delta', ['INCIDENT_NO', 'NOMINAL_ID']) }}

),

renamed as (

    select
        {{ record_id('police__asb_incidents', ['INCIDENT_NO', 'NOMINAL_ID']) }} as record_id,
        'police__asb_incidents' as source_dataset,
        cast("NOMINAL_ID" as varchar) as source_person_ref,
        cast({{ first_name_from_comma_name("\"NAME\"") }} as varchar) as first_name,
        cast({{ middle_names_from_comma_name("\"NAME\"") }} as varchar) as middle_names,
        cast({{ surname_from_comma_name("\"NAME\"") }} as varchar) as surname,
        cast("DOB" as date) as dob,
        cast({{ sex_code('"SEX"') }} as varchar) as sex,
        cast(nullif(trim("ADDRESS"), '') as varchar) as address,
        cast("POSTCODE" as varchar) as postcode,
        cast(null as varchar) as nhs_number,
        cast(null as varchar) as upn,
        cast(null as varchar) as ni_number,
        cast(cast("INCIDENT_DATETIME" as date) as date) as event_date,
        "INCIDENT_NO" as incident_ref,
        "INCIDENT_DATETIME" as reported_at,
        "ASB_CATEGORY" as asb_category,
        "ROLE" as person_role,
        _extract_date as extracted_on,
        _is_latest_extract as is_latest_extract,
        _load_id as load_id,

    from source

)

select * from renamed
