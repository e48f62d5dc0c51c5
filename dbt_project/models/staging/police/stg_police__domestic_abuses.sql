-- Domestic abuse incidents and crimes: one row per person involved, with their role.
-- delta source: every version of every record in every extract (intermediate picks the as-at one).
with

source as (

    {{ source_versions('police__domestic_abuse', ['INCIDENT_NO', 'NOMINAL_ID']) }}

),

renamed as (

    select
        {{ person_columns(
            'police__domestic_abuse',
            ['INCIDENT_NO', 'NOMINAL_ID'],
            person_ref='"NOMINAL_ID"',
            comma_name='"NAME"',
            dob='"DOB"',
            sex='"SEX"',
            address='"ADDRESS"',
            postcode='"POSTCODE"',
            event_date='cast("INCIDENT_DATETIME" as date)'
        ) }}
        "INCIDENT_NO" as incident_ref,
        "INCIDENT_DATETIME" as reported_at,
        "INCIDENT_ADDRESS" as incident_address,
        "INCIDENT_POSTCODE" as incident_postcode,
        "ROLE" as person_role,
        "DASH_RISK" as dash_risk,
        "CRIME_FLAG" = 'Y' as is_crime,
        {{ lineage_columns() }}

    from source

)

select * from renamed
