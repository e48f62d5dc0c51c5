-- Emergency department attendances (ECDS-like).
-- delta source: every row extracted up to var('as_at_date'), latest version of each key.
with

source as (

    {{ source_as_at('nhs__ae_attendances', 'delta', ['attendance_id']) }}

),

renamed as (

    select
        {{ record_id('nhs__ae_attendances', ['attendance_id']) }} as record_id,
        'nhs__ae_attendances' as source_dataset,
        cast("local_patient_id" as varchar) as source_person_ref,
        cast({{ first_name_from_forenames("\"person_given_name\"") }} as varchar) as first_name,
        cast({{ middle_names_from_forenames("\"person_given_name\"") }} as varchar) as middle_names,
        cast(nullif(trim("person_family_name"), '') as varchar) as surname,
        cast("date_of_birth" as date) as dob,
        cast({{ sex_code('"gender_code"') }} as varchar) as sex,
        cast(nullif(trim("address_line_1"), '') as varchar) as address,
        cast("postcode" as varchar) as postcode,
        cast("nhs_number" as varchar) as nhs_number,
        cast(null as varchar) as upn,
        cast(null as varchar) as ni_number,
        cast(cast("arrival_datetime" as date) as date) as event_date,
        "arrival_datetime" as arrived_at,
        "attendance_category" as attendance_category,
        _extract_date as extracted_on,
        _is_latest_extract as is_latest_extract,
        _load_id as load_id,

    from source

)

select * from renamed
