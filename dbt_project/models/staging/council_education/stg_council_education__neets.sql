-- Client Caseload Information System: activity of young people of academic age 16-18, monthly.
-- snapshot source: every extract up to var('as_at_date'); is_latest_extract marks the latest.
with

source as (

    {{ source_as_at('council_education__neet', 'snapshot', ['ClientID', 'ReportingPeriod']) }}

),

renamed as (

    select
        {{ person_columns(
            'council_education__neet',
            ['ClientID', 'ReportingPeriod'],
            person_ref='"ClientID"',
            forenames='"Forename"',
            surname='"Surname"',
            dob='"DOB"',
            sex='"Gender"',
            address=['"Address1"', '"Address2"'],
            postcode='"Postcode"',
            upn='"UPN"',
            event_date='_extract_date'
        ) }}
        "ReportingPeriod" as reporting_period,
        "AcademicAge" as academic_age,
        "ActivityCode" as activity_code,
        "ActivityStartDate" as activity_started_on,
        "RiskOfNEET" = 'Y' as is_risk_of_neet,
        {{ lineage_columns() }}

    from source

)

select * from renamed
