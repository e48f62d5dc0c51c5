-- Working-age out-of-work benefit claims live in the quarter (WPLS extract), pipe-delimited.
-- snapshot source: every extract up to var('as_at_date'); is_latest_extract marks the latest.
with

source as (

    {{ source_as_at('dwp__out_of_work_benefits', 'snapshot', ['NINO', 'BENEFIT_TYPE', 'SNAPSHOT']) }}

),

renamed as (

    select
        {{ record_id('dwp__out_of_work_benefits', ['NINO', 'BENEFIT_TYPE', 'SNAPSHOT']) }} as record_id,
        'dwp__out_of_work_benefits' as source_dataset,
        cast("NINO" as varchar) as source_person_ref,
        cast({{ first_name_from_forenames("\"FORENAME\"") }} as varchar) as first_name,
        cast({{ middle_names_from_forenames("\"FORENAME\"") }} as varchar) as middle_names,
        cast(nullif(trim("SURNAME"), '') as varchar) as surname,
        cast("DOB" as date) as dob,
        cast({{ sex_code('"SEX"') }} as varchar) as sex,
        cast({{ join_address(['"ADDRESS_LINE_1"', '"ADDRESS_LINE_2"', '"ADDRESS_LINE_3"', '"ADDRESS_LINE_4"']) }} as varchar) as address,
        cast("POSTCODE" as varchar) as postcode,
        cast(null as varchar) as nhs_number,
        cast(null as varchar) as upn,
        cast(case when upper("NINO") like 'TN%' then null else "NINO" end as varchar) as ni_number,
        cast(_extract_date as date) as event_date,
        "SNAPSHOT" as snapshot_month,
        "BENEFIT_TYPE" as benefit_type,
        "START_DATE" as started_on,
        "END_DATE" as ended_on,
        _extract_date as extracted_on,
        _is_latest_extract as is_latest_extract,
        _load_id as load_id,

    from source

)

select * from renamed
