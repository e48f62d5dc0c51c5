-- Drug and alcohol treatment episodes and incidents (NDTMS-like); episodes re-sent on discharge.
-- delta source: every row extracted up to var('as_at_date'), latest version of each key.
with

source as (

    {{ source_as_at('nhs__substance_misuse', 'delta', ['episode_id']) }}

),

renamed as (

    select
        {{ record_id('nhs__substance_misuse', ['episode_id']) }} as record_id,
        'nhs__substance_misuse' as source_dataset,
        cast("client_id" as varchar) as source_person_ref,
        cast({{ first_name_from_forenames("\"given_name\"") }} as varchar) as first_name,
        cast({{ middle_names_from_forenames("\"given_name\"") }} as varchar) as middle_names,
        cast(nullif(trim("family_name"), '') as varchar) as surname,
        cast("date_of_birth" as date) as dob,
        cast({{ sex_code('"sex"') }} as varchar) as sex,
        cast(null as varchar) as address,
        cast("postcode" as varchar) as postcode,
        cast("nhs_number" as varchar) as nhs_number,
        cast(null as varchar) as upn,
        cast(null as varchar) as ni_number,
        cast("event_date" as date) as event_date,
        "record_type" as record_type,
        "substance" as substance,
        "event_date" as started_on,
        "discharge_date" as discharged_on,
        _extract_date as extracted_on,
        _is_latest_extract as is_latest_extract,
        _load_id as load_id,

    from source

)

select * from renamed
