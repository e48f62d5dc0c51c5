-- Council anti-social behaviour cases: one row per person named on a case.
-- delta source: every row extracted up to var('as_at_date'), latest version of each key.
with

source as (

    {{ source_as_at('council_housing__asb_cases', 'delta', ['CASE_NO', 'PERSON_REF']) }}

),

renamed as (

    select
        {{ record_id('council_housing__asb_cases', ['CASE_NO', 'PERSON_REF']) }} as record_id,
        'council_housing__asb_cases' as source_dataset,
        cast("PERSON_REF" as varchar) as source_person_ref,
        cast({{ first_name_from_forenames("\"FORENAME\"") }} as varchar) as first_name,
        cast({{ middle_names_from_forenames("\"FORENAME\"") }} as varchar) as middle_names,
        cast(nullif(trim("SURNAME"), '') as varchar) as surname,
        cast("DOB" as date) as dob,
        cast('U' as varchar) as sex,
        cast(nullif(trim("ADDRESS"), '') as varchar) as address,
        cast("POSTCODE" as varchar) as postcode,
        cast(null as varchar) as nhs_number,
        cast(null as varchar) as upn,
        cast(null as varchar) as ni_number,
        cast("CASE_OPENED" as date) as event_date,
        "CASE_NO" as case_ref,
        "CASE_OPENED" as case_opened_on,
        "CASE_TYPE" as case_type,
        "ROLE" as person_role,
        _extract_date as extracted_on,
        _is_latest_extract as is_latest_extract,
        _load_id as load_id,

    from source

)

select * from renamed
