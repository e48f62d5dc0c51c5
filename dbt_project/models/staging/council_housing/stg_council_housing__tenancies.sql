-- Council tenancies: tenants and household members on current tenancies, quarterly.
-- snapshot source: every version of every record in every extract (intermediate picks the as-at one).
with

source as (

    {{ source_versions('council_housing__tenancies', ['TENANCY_REF', 'PERSON_REF', 'QUARTER']) }}

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
