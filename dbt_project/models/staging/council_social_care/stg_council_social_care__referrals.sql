-- Contacts accepted as referrals to children's social care.
-- delta source: every row extracted up to var('as_at_date'), latest version of each key.
with

source as (

    {{ source_as_at('council_social_care__referrals', 'delta', ['ReferralID']) }}

),

renamed as (

    select
        {{ record_id('council_social_care__referrals', ['ReferralID']) }} as record_id,
        'council_social_care__referrals' as source_dataset,
        cast("PersonID" as varchar) as source_person_ref,
        cast({{ first_name_from_comma_name("\"FullName\"") }} as varchar) as first_name,
        cast({{ middle_names_from_comma_name("\"FullName\"") }} as varchar) as middle_names,
        cast({{ surname_from_comma_name("\"FullName\"") }} as varchar) as surname,
        cast("DateOfBirth" as date) as dob,
        cast({{ sex_code('"Gender"') }} as varchar) as sex,
        cast(nullif(trim("Address"), '') as varchar) as address,
        cast("Postcode" as varchar) as postcode,
        cast("NHSNumber" as varchar) as nhs_number,
        cast(null as varchar) as upn,
        cast(null as varchar) as ni_number,
        cast("ReferralDate" as date) as event_date,
        "ReferralDate" as referred_on,
        "ReferralSource" as referral_source,
        "Outcome" as referral_outcome,
        _extract_date as extracted_on,
        _is_latest_extract as is_latest_extract,
        _load_id as load_id,

    from source

)

select * from renamed
