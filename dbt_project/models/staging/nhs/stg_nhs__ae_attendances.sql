-- Emergency department attendances (ECDS-like).
-- delta source: every version of every record in every extract (intermediate picks the as-at one).
with

source as (

    {{ source_versions('nhs__ae_attendances', ['attendance_id']) }}

),

renamed as (

    select
        {{ person_columns(
            'nhs__ae_attendances',
            ['attendance_id'],
            person_ref='"local_patient_id"',
            forenames='"person_given_name"',
            surname='"person_family_name"',
            dob='"date_of_birth"',
            sex='"gender_code"',
            address='"address_line_1"',
            postcode='"postcode"',
            nhs_number='"nhs_number"',
            event_date='cast("arrival_datetime" as date)'
        ) }}
        "arrival_datetime" as arrived_at,
        "attendance_category" as attendance_category,
        {{ lineage_columns() }}

    from source

)

select * from renamed
