-- Client Caseload Information System: activity of young people of academic age 16-18, monthly.
-- snapshot source: every version of every record in every extract (intermediate picks the as-at one).
with

source as (

    {{ source_versions('council_education__neet', ['ClientID', 'ReportingPeriod']) }}

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
