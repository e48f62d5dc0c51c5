-- Working-age out-of-work benefit claims live in the quarter (WPLS extract), pipe-delimited.
-- snapshot source: every version of every record in every extract (intermediate picks the as-at one).
with

source as (

    {{ source_versions('dwp__out_of_work_benefits', ['NINO', 'BENEFIT_TYPE', 'SNAPSHOT']) }}

),

renamed as (

    select
        {{ person_columns(
            'dwp__out_of_work_benefits',
            ['NINO', 'BENEFIT_TYPE', 'SNAPSHOT'],
            person_ref='"NINO"',
            forenames='"FORENAME"',
            surname='"SURNAME"',
            dob='"DOB"',
            sex='"SEX"',
            address=['"ADDRESS_LINE_1"', '"ADDRESS_LINE_2"', '"ADDRESS_LINE_3"', '"ADDRESS_LINE_4"'],
            postcode='"POSTCODE"',
            ni_number="case when upper(\"NINO\") like 'TN%' then null else \"NINO\" end",
            event_date='_extract_date'
        ) }}
        "SNAPSHOT" as snapshot_month,
        "BENEFIT_TYPE" as benefit_type,
        "START_DATE" as started_on,
        "END_DATE" as ended_on,
        {{ lineage_columns() }}

    from source

)

select * from renamed
