-- Contacts accepted as referrals to children's social care.
-- delta source: every version of every record in every extract (intermediate picks the as-at one).
with

source as (

    {{ source_versions('council_social_care__referrals', ['ReferralID']) }}

),

renamed as (

    select
        {{ person_columns(
            'council_social_care__referrals',
            ['ReferralID'],
            person_ref='"PersonID"',
            comma_name='"FullName"',
            dob='"DateOfBirth"',
            sex='"Gender"',
            address='"Address"',
            postcode='"Postcode"',
            nhs_number='"NHSNumber"',
            event_date='"ReferralDate"'
        ) }}
        "ReferralDate" as referred_on,
        "ReferralSource" as referral_source,
        "Outcome" as referral_outcome,
        {{ lineage_columns() }}

    from source

)

select * from renamed
