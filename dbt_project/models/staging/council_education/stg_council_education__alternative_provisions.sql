-- Placements in pupil referral units and alternative provision; a placement is re-sent when it ends.
-- delta source: every row extracted up to var('as_at_date'), latest version of each key.
with

source as (

    {{ source_as_at('council_education__alternative_provision', 'delta', ['PlacementID']) }}

),

renamed as (

    select
        {{ record_id('council_education__alternative_provision', ['PlacementID']) }} as record_id,
        'council_education__alternative_provision' as source_dataset,
        cast("UPN" as varchar) as source_person_ref,
        cast({{ first_name_from_forenames("\"LegalForename\"") }} as varchar) as first_name,
        cast({{ middle_names_from_forenames("\"LegalForename\"") }} as varchar) as middle_names,
        cast(nullif(trim("LegalSurname"), '') as varchar) as surname,
        cast("DOB" as date) as dob,
        cast({{ sex_code('"Gender"') }} as varchar) as sex,
        cast(null as varchar) as address,
        cast("PostCode" as varchar) as postcode,
        cast(null as varchar) as nhs_number,
        cast("UPN" as varchar) as upn,
        cast(null as varchar) as ni_number,
        cast("StartDate" as date) as event_date,
        "SettingType" as setting_type,
        "SettingURN" as setting_urn,
        "StartDate" as started_on,
        "EndDate" as ended_on,
        _extract_date as extracted_on,
        _is_latest_extract as is_latest_extract,
        _load_id as load_id,

    from source

)

select * from renamed
