-- Housing benefit claims reduced by the benefit cap, monthly.
-- snapshot source: every extract up to var('as_at_date'); is_latest_extract marks the latest.
with

source as (

    {{ source_as_at('council_revenues__benefit_cap', 'snapshot', ['HB_CLAIM_REF', 'PERIOD']) }}

),

renamed as (

    select
        {{ record_id('council_revenues__benefit_cap', ['HB_CLAIM_REF', 'PERIOD']) }} as record_id,
        'council_revenues__benefit_cap' as source_dataset,
        cast("HB_CLAIM_REF" as varchar) as source_person_ref,
        cast({{ first_name_from_comma_name("\"CLAIMANT_NAME\"") }} as varchar) as first_name,
        cast({{ middle_names_from_comma_name("\"CLAIMANT_NAME\"") }} as varchar) as middle_names,
        cast({{ surname_from_comma_name("\"CLAIMANT_NAME\"") }} as varchar) as surname,
        cast("DOB" as date) as dob,
        cast('U' as varchar) as sex,
        cast(nullif(trim("ADDRESS"), '') as varchar) as address,
        cast("POSTCODE" as varchar) as postcode,
        cast(null as varchar) as nhs_number,
        cast(null as varchar) as upn,
        cast("NINO" as varchar) as ni_number,
        cast(_extract_date as date) as event_date,
        "PERIOD" as period,
        "CAP_START_DATE" as cap_started_on,
        "WEEKLY_CAP_AMOUNT" as weekly_cap_amount,
        _extract_date as extracted_on,
        _is_latest_extract as is_latest_extract,
        _load_id as load_id,

    from source

)

select * from renamed
