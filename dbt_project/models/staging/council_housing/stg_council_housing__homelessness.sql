-- Homelessness applications and decisions (P1E); an application is re-sent when decided.
-- delta source: every version of every record in every extract (intermediate picks the as-at one).
with

source as (

    {{ source_versions('council_housing__homelessness', ['CASE_REF']) }}

),

renamed as (

    select
        {{ person_columns(
            'council_housing__homelessness',
            ['CASE_REF'],
            person_ref='"APPLICANT_REF"',
            comma_name='"APPLICANT_NAME"',
            dob='"DOB"',
            address='"LAST_SETTLED_ADDRESS"',
            postcode='"POSTCODE"',
            ni_number='"NI_NUMBER"',
            event_date='"APPLICATION_DATE"'
        ) }}
        "APPLICATION_DATE" as applied_on,
        "DECISION" as decision,
        "DECISION_DATE" as decided_on,
        "DECISION" in ('ACCEPTED', 'INTENTIONAL', 'NOT_PRIORITY') as is_found_homeless,
        {{ lineage_columns() }}

    from source

)

select * from renamed
