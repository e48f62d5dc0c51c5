-- Releases from prison to a Bristol address notified to the force (IOM).
-- delta source: every version of every record in every extract (intermediate picks the as-at one).
with

source as (

    {{ source_versions('police__custody_releases', ['RELEASE_REF']) }}

),

renamed as (

    select
        {{ person_columns(
            'police__custody_releases',
            ['RELEASE_REF'],
            person_ref='"NOMINAL_ID"',
            forenames='"FORENAMES"',
            surname='"SURNAME"',
            dob='"DOB"',
            sex='"SEX"',
            address='"RELEASE_ADDRESS"',
            postcode='"POSTCODE"',
            event_date='"RELEASE_DATE"'
        ) }}
        "PNC_ID" as pnc_id,
        "RELEASE_DATE" as released_on,
        "RELEASE_TYPE" as release_type,
        {{ lineage_columns() }}

    from source

)

select * from renamed
