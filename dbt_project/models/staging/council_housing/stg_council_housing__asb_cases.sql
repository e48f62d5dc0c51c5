-- Council anti-social behaviour cases: one row per person named on a case.
-- delta source: every version of every record in every extract (intermediate picks the as-at one).
with

source as (

    {{ source_versions('council_housing__asb_cases', ['CASE_NO', 'PERSON_REF']) }}

),

renamed as (

    select
        {{ person_columns(
            'council_housing__asb_cases',
            ['CASE_NO', 'PERSON_REF'],
            person_ref='"PERSON_REF"',
            forenames='"FORENAME"',
            surname='"SURNAME"',
            dob='"DOB"',
            address='"ADDRESS"',
            postcode='"POSTCODE"',
            event_date='"CASE_OPENED"'
        ) }}
        "CASE_NO" as case_ref,
        "CASE_OPENED" as case_opened_on,
        "CASE_TYPE" as case_type,
        "ROLE" as person_role,
        {{ lineage_columns() }}

    from source

)

select * from renamed
