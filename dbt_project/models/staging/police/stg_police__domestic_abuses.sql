-- Domestic abuse incidents and crimes: one row per person involved, with their role.
-- delta source: every row extracted up to var('as_at_date'), latest version of each key.
with

source as (

    {{ source_as_at('police__domestic_abuse', 'delta', ['INCIDENT_NO', 'NOMINAL_ID']) }}

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
