-- Recorded offences with Home Office outcome: one row per suspect per offence.
-- delta source: every version of every record in every extract (intermediate picks the as-at one).
with

source as (

    {{ source_versions('police__offences', ['CRIME_REF', 'NOMINAL_ID']) }}

),

renamed as (

    select
        {{ person_columns(
            'police__offences',
            ['CRIME_REF', 'NOMINAL_ID'],
            person_ref='"NOMINAL_ID"',
            forenames='"FORENAMES"',
            surname='"SURNAME"',
            dob='"DOB"',
            sex='"SEX"',
            address='"ADDRESS"',
            postcode='"POSTCODE"',
            event_date='"OFFENCE_DATE"'
        ) }}
        "CRIME_REF" as crime_ref,
        "PNC_ID" as pnc_id,
        "OFFENCE_DATE" as offence_on,
        "OFFENCE_GROUP" as offence_group,
        "OUTCOME_CODE" as outcome_code,
        "OUTCOME_DATE" as outcome_on,
        {{ lineage_columns() }}

    from source

)

select * from renamed
