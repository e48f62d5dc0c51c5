-- Child health information system: children 0-18 registered with a Bristol GP, quarterly.
-- snapshot source: every extract up to var('as_at_date'); is_latest_extract marks the latest.
with

source as (

    {{ source_as_at('nhs__child_health', 'snapshot', ['child_health_id', 'reporting_period']) }}

),

renamed as (

    select
        {{ record_id('nhs__child_health', ['child_health_id', 'reporting_period']) }} as record_id,
        'nhs__child_health' as source_dataset,
        cast("child_health_id" as varchar) as source_person_ref,
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
        cast(_extract_date as date) as event_date,
        "reporting_period" as reporting_period,
        "gp_practice_code" as gp_practice_code,
        "gp_registration_date" as gp_registered_on,
        _extract_date as extracted_on,
        _is_latest_extract as is_latest_extract,
        _load_id as load_id,

    from source

)

select * from renamed
