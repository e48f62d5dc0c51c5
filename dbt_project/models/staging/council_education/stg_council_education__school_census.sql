-- School census (termly snapshot): one row per pupil on roll at a Bristol school on census day.
-- snapshot source: every extract up to var('as_at_date'); is_latest_extract marks the latest.
with

source as (

    {{ source_as_at('council_education__school_census', 'snapshot', ['UPN', 'CensusTerm']) }}

),

renamed as (

    select
        {{ record_id('council_education__school_census', ['UPN', 'CensusTerm']) }} as record_id,
        'council_education__school_census' as source_dataset,
        cast("UPN" as varchar) as source_person_ref,
        cast({{ first_name_from_forenames("\"LegalForename\"") }} as varchar) as first_name,
        cast(nullif(trim("MiddleNames"), '') as varchar) as middle_names,
        cast(nullif(trim("LegalSurname"), '') as varchar) as surname,
        cast("DOB" as date) as dob,
        cast({{ sex_code('"Gender"') }} as varchar) as sex,
        cast({{ join_address(['"AddressLine1"', '"AddressLine2"', '"AddressLine3"', '"AddressLine4"']) }} as varchar) as address,
        cast("PostCode" as varchar) as postcode,
        cast(null as varchar) as nhs_number,
        cast("UPN" as varchar) as upn,
        cast(null as varchar) as ni_number,
        -- The address is as held on census day, not on the (term-end) extract date: DfE census
        -- days are the first Thursday of October (AUT), third Thursday of January (SPR) and
        -- third Thursday of May (SUM), so a pupil who moved after census day still shows the
        -- old address in the summer extract and must not outvote newer evidence of a move.
        cast(coalesce({{ census_day('"CensusTerm"') }}, cast(_extract_date as date)) as date) as event_date,
        "CensusTerm" as census_term,
        "LAEstab" as school_id,
        "NCyearActual" as year_group,
        "EntryDate" as entered_school_on,
        _extract_date as extracted_on,
        _is_latest_extract as is_latest_extract,
        _load_id as load_id,

    from source

)

select * from renamed
