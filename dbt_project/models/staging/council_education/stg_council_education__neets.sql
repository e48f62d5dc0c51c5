-- Client Caseload Information System: activity of young people of academic age 16-18, monthly.
-- snapshot source: every extract up to var('as_at_date'); is_latest_extract marks the latest.
with

source as (

    {{ source_as_at('council_education__neet', 'snapshot', ['ClientID', 'ReportingPeriod']) }}

),

renamed as (

    select
        {{ record_id('council_education__neet', ['ClientID', 'ReportingPeriod']) }} as record_id,
        'council_education__neet' as source_dataset,
        cast("ClientID" as varchar) as source_person_ref,
        cast({{ first_name_from_forenames("\"Forename\"") }} as varchar) as first_name,
        cast({{ middle_names_from_forenames("\"Forename\"") }} as varchar) as middle_names,
        cast(nullif(trim("Surname"), '') as varchar) as surname,
        cast("DOB" as date) as dob,
        cast({{ sex_code('"Gender"') }} as varchar) as sex,
        cast({{ join_address(['"Address1"', '"Address2"']) }} as varchar) as address,
        cast("Postcode" as varchar) as postcode,
        cast(null as varchar) as nhs_number,
        cast("UPN" as varchar) as upn,
        cast(null as varchar) as ni_number,
        cast(_extract_date as date) as event_date,
        "ReportingPeriod" as reporting_period,
        "AcademicAge" as academic_age,
        "ActivityCode" as activity_code,
        "ActivityStartDate" as activity_started_on,
        "RiskOfNEET" = 'Y' as is_risk_of_neet,
        _extract_date as extracted_on,
        _is_latest_extract as is_latest_extract,
        _load_id as load_id,

    from source

)

select * from renamed
