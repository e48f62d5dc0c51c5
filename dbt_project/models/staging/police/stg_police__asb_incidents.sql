-- Anti-social behaviour incidents: one row per person linked to an incident.
-- delta source: every version of every record in every extract (intermediate picks the as-at one).
with

source as (

    {{ source_versions('police__asb_incidents', ['INCIDENT_NO', 'NOMINAL_ID']) }}

),

renamed as (

    select
        {{ person_columns(
            'police__asb_incidents',
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
        "ASB_CATEGORY" as asb_category,
        "ROLE" as person_role,
        {{ lineage_columns() }}

    from source

)

select * from renamed
