-- Maternity bookings (MSDS-like): one row per pregnancy, re-sent after delivery.
-- delta source: every version of every record in every extract (intermediate picks the as-at one).
with

source as (

    {{ source_versions('nhs__maternity', ['pregnancy_id']) }}

),

renamed as (

    select
        {{ person_columns(
            'nhs__maternity',
            ['pregnancy_id'],
            person_ref='"local_patient_id"',
            forenames='"person_given_name"',
            surname='"person_family_name"',
            dob='"date_of_birth"',
            sex='"person_stated_gender_code"',
            address=['"address_line_1"', '"address_line_2"', '"address_line_3"'],
            postcode='"postcode"',
            nhs_number='"nhs_number"',
            event_date='"antenatal_booking_date"'
        ) }}
        "antenatal_booking_date" as booked_on,
        "delivery_date" as delivered_on,
        {{ lineage_columns() }}

    from source

)

select * from renamed
