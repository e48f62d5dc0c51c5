-- Exclusions, one row per exclusion (fixed period or permanent).
-- delta source: every row extracted up to var('as_at_date'), latest version of each key.
with

source as (

    {{ source_as_at('council_education__exclusions', 'delta', ['ExclusionID']) }}

),

renamed as (

    select
        {{ record_id('council_education__exclusions', ['ExclusionID']) }} as record_id,
        'council_education__exclusions' as source_dataset,
        cast("UPN" as varchar) as source_person_ref,
        cast({{ first_name_from_forenames("\"LegalForename\"") }} as varchar) as first_name,
        cast({{ middle_names_from_forenames("\"LegalForename\"") }} as varchar) as middle_names,
        cast(nullif(trim("LegalSurname"), '') as varchar) as surname,
        cast("DOB" as date) as dob,
        cast({{ sex_code('"Gender"') }} as varchar) as sex,
        cast(null as varchar) as address,
        cast(null as varchar) as postcode,
        cast(null as varchar) as nhs_number,
        cast("UPN" as varchar) as upn,
        cast(null as varchar) as ni_number,
        cast("StartDate" as date) as event_date,
        "LAEstab" as school_id,
        "Category" as exclusion_category,
        "StartDate" as started_on,
        "Sessions" as sessions,
        "Reason" as exclusion_reason,
        _extract_date as extracted_on,
        _is_latest_extract as is_latest_extract,
        _load_id as load_id,

    from source

)

select * from renamed
