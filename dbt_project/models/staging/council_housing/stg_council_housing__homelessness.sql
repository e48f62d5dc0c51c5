-- Homelessness applications and decisions (P1E); an application is re-sent when decided.
-- delta source: every row extracted up to var('as_at_date'), latest version of each key.
with

source as (

    {{ source_as_at('council_housing__homelessness', 'delta', ['CASE_REF']) }}

),

renamed as (

    select
        {{ record_id('council_housing__homelessness', ['CASE_REF']) }} as record_id,
        'council_housing__homelessness' as source_dataset,
        cast("APPLICANT_REF" as varchar) as source_person_ref,
        cast({{ first_name_from_comma_name("\"APPLICANT_NAME\"") }} as varchar) as first_name,
        cast({{ middle_names_from_comma_name("\"APPLICANT_NAME\"") }} as varchar) as middle_names,
        cast({{ surname_from_comma_name("\"APPLICANT_NAME\"") }} as varchar) as surname,
        cast("DOB" as date) as dob,
        cast('U' as varchar) as sex,
        cast(nullif(trim("LAST_SETTLED_ADDRESS"), '') as varchar) as address,
        cast("POSTCODE" as varchar) as postcode,
        cast(null as varchar) as nhs_number,
        cast(null as varchar) as upn,
        cast("NI_NUMBER" as varchar) as ni_number,
        cast("APPLICATION_DATE" as date) as event_date,
        "APPLICATION_DATE" as applied_on,
        "DECISION" as decision,
        "DECISION_DATE" as decided_on,
        "DECISION" in ('ACCEPTED', 'INTENTIONAL', 'NOT_PRIORITY') as is_found_homeless,
        _extract_date as extracted_on,
        _is_latest_extract as is_latest_extract,
        _load_id as load_id,

    from source

)

select * from renamed
