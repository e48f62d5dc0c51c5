-- Council tenancies: tenants and household members on current tenancies, quarterly.
-- snapshot source: every extract up to var('as_at_date'); is_latest_extract marks the latest.
with

source as (

    {{ source_as_at('council_housing__tenancies', 'snapshot', ['TENANCY_REF', 'PERSON_REF', 'QUARTER']) }}

),

renamed as (

    select
        {{ person_columns(
            'council_housing__tenancies',
            ['TENANCY_REF', 'PERSON_REF', 'QUARTER'],
            person_ref='"PERSON_REF"',
            forenames='"FORENAME"',
            surname='"SURNAME"',
            dob='"DOB"',
            address='"ADDRESS"',
            postcode='"POSTCODE"',
            ni_number='"NI_NUMBER"',
            event_date='_extract_date'
        ) }}
        "QUARTER" as quarter,
        "TENANCY_REF" as tenancy_ref,
        "TENANT_TYPE" as tenant_type,
        "TENANCY_START" as tenancy_started_on,
        {{ lineage_columns() }}

    from source

)

select * from renamed
