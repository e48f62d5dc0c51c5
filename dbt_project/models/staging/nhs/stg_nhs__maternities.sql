-- Maternity bookings (MSDS-like): one row per pregnancy, re-sent after delivery.
-- delta source: every row extracted up to var('as_at_date'), latest version of each key.
with

source as (

    {{ source_as_at('nhs__maternity', 'delta', ['pregnancy_id']) }}

),

renamed as (

    select
        {{ record_id('nhs__maternity', ['pregnancy_id']) }} as record_id,
        'nhs__maternity' as source_dataset,
        cast("local_patient_id" as varchar) as source_person_ref,
        cast({{ first_name_from_forenames("\"person_given_name\"") }} as varchar) as first_name,
        cast({{ middle_names_from_forenames("\"person_given_name\"") }} as varchar) as middle_names,
        cast(nullif(trim("person_family_name"), '') as varchar) as surname,
        cast("date_of_birth" as date) as dob,
        cast({{ sex_code('"person_stated_gender_code"') }} as varchar) as sex,
        cast({{ join_address(['"address_line_1"', '"address_line_2"', '"address_line_3"']) }} as varchar) as address,
        cast("postcode" as varchar) as postcode,
        cast("nhs_number" as varchar) as nhs_number,
        cast(null as varchar) as upn,
        cast(null as varchar) as ni_number,
        cast("antenatal_booking_date" as date) as event_date,
        "antenatal_booking_date" as booked_on,
        "delivery_date" as delivered_on,
        _extract_date as extracted_on,
        _is_latest_extract as is_latest_extract,
        _load_id as load_id,

    from source

)

select * from renamed
