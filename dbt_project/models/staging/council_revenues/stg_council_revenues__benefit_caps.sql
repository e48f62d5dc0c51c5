-- Housing benefit claims reduced by the benefit cap, monthly.
-- snapshot source: every version of every record in every extract (intermediate picks the as-at one).
with

source as (

    {{ source_versions('council_revenues__benefit_cap', ['HB_CLAIM_REF', 'PERIOD']) }}

),

renamed as (

    select
        {{ person_columns(
            'council_revenues__benefit_cap',
            ['HB_CLAIM_REF', 'PERIOD'],
            person_ref='"HB_CLAIM_REF"',
            comma_name='"CLAIMANT_NAME"',
            dob='"DOB"',
            address='"ADDRESS"',
            postcode='"POSTCODE"',
            ni_number='"NINO"',
            event_date='_extract_date'
        ) }}
        "PERIOD" as period,
        "CAP_START_DATE" as cap_started_on,
        "WEEKLY_CAP_AMOUNT" as weekly_cap_amount,
        {{ lineage_columns() }}

    from source

)

select * from renamed
