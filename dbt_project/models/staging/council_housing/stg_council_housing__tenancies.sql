-- Council tenancies: tenants and household members on current tenancies, quarterly.
-- snapshot source: every extract up to var('as_at_date'); is_latest_extract marks the latest.
with

source as (

    {{ source_as_at('council_housing__tenancies', 'snapshot', ['TENANCY_REF', 'PERSON_REF', 'QUARTER']) }}

),

renamed as (

    select
        {{ record_id('council_housing__tenancies', ['TENANCY_REF', 'PERSON_REF', 'QUARTER']) }} as record_id,
        'council_housing__tenancies' as source_dataset,
        cast("PERSON_REF" as varchar) as source_person_ref,
        cast({{ first_name_from_forenames("\"FORENAME\"") }} as varchar) as first_name,
        cast({{ middle_names_from_forenames("\"FORENAME\"") }} as varchar) as middle_names,
        cast(nullif(trim("SURNAME"), '') as varchar) as surname,
        cast("DOB" as date) as dob,
        cast('U' as varchar) as sex,
        cast(nullif(trim("ADDRESS"), '') as varchar) as address,
        cast("POSTCODE" as varchar) as postcode,
        cast(null as varchar) as nhs_number,
        cast(null as varchar) as upn,
        cast("NI_NUMBER" as varchar) as ni_number,
        cast(_extract_date as date) as event_date,
        "QUARTER" as quarter,
        "TENANCY_REF" as tenancy_ref,
        "TENANT_TYPE" as tenant_type,
        "TENANCY_START" as tenancy_started_on,
        _extract_date as extracted_on,
        _is_latest_extract as is_latest_extract,
        _load_id as load_id,

    from source

)

select * from renamed
