-- Secondary mental health services (MHSDS-like): one row per referral, re-sent on discharge.
-- delta source: every version of every record in every extract (intermediate picks the as-at one).
with

source as (

    {{ source_versions('nhs__mental_health', ['service_request_id']) }}

),

renamed as (

    select
        {{ person_columns(
            'nhs__mental_health',
            ['service_request_id'],
            person_ref='"local_patient_id"',
            forenames='"person_given_name"',
            surname='"person_family_name"',
            dob='"date_of_birth"',
            sex='"person_stated_gender_code"',
            postcode='"postcode"',
            nhs_number='"nhs_number"',
            event_date='"referral_received_date"'
        ) }}
        "referral_received_date" as referred_on,
        "service_discharge_date" as discharged_on,
        "team_type" as team_type,
        {{ lineage_columns() }}

    from source

)

select * from renamed
