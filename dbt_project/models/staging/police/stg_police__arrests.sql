-- Arrests.
-- delta source: every version of every record in every extract (intermediate picks the as-at one).
with

source as (

    {{ source_versions('police__arrests', ['ARREST_REF']) }}

),

renamed as (

    select
        {{ person_columns(
            'police__arrests',
            ['ARREST_REF'],
            person_ref='"NOMINAL_ID"',
            forenames='"FORENAMES"',
            surname='"SURNAME"',
            dob='"DOB"',
            sex='"SEX"',
            address='"ADDRESS"',
            postcode='"POSTCODE"',
            event_date='"ARREST_DATE"'
        ) }}
        "PNC_ID" as pnc_id,
        "ARREST_DATE" as arrested_on,
        "ARREST_REASON" as arrest_reason,
        {{ lineage_columns() }}

    from source

)

select * from renamed
