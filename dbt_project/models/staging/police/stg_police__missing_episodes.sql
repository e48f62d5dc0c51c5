-- Children reported missing: one row per missing episode.
-- delta source: every version of every record in every extract (intermediate picks the as-at one).
with

source as (

    {{ source_versions('police__missing_episodes', ['MISSING_REF']) }}

),

renamed as (

    select
        {{ person_columns(
            'police__missing_episodes',
            ['MISSING_REF'],
            person_ref='"NOMINAL_ID"',
            forenames='"FORENAMES"',
            surname='"SURNAME"',
            dob='"DOB"',
            sex='"SEX"',
            address='"HOME_ADDRESS"',
            postcode='"POSTCODE"',
            event_date='cast("REPORTED_MISSING" as date)'
        ) }}
        "REPORTED_MISSING" as reported_missing_at,
        "FOUND_DATETIME" as found_at,
        "RISK_GRADE" as risk_grade,
        {{ lineage_columns() }}

    from source

)

select * from renamed
