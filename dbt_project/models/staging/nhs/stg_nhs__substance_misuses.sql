-- Drug and alcohol treatment episodes and incidents (NDTMS-like); episodes re-sent on discharge.
-- delta source: every version of every record in every extract (intermediate picks the as-at one).
with

source as (

    {{ source_versions('nhs__substance_misuse', ['episode_id']) }}

),

renamed as (

    select
        {{ person_columns(
            'nhs__substance_misuse',
            ['episode_id'],
            person_ref='"client_id"',
            forenames='"given_name"',
            surname='"family_name"',
            dob='"date_of_birth"',
            sex='"sex"',
            postcode='"postcode"',
            nhs_number='"nhs_number"',
            event_date='"event_date"'
        ) }}
        "record_type" as record_type,
        "substance" as substance,
        "event_date" as started_on,
        "discharge_date" as discharged_on,
        {{ lineage_columns() }}

    from source

)

select * from renamed
