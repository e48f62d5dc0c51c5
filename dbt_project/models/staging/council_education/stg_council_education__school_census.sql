-- School census (termly snapshot): one row per pupil on roll at a Bristol school on census day.
-- snapshot source: every version of every record in every extract (intermediate picks the as-at one).
with

source as (

    {{ source_versions('council_education__school_census', ['UPN', 'CensusTerm']) }}

),

renamed as (

    select
        -- The address is as held on census day, not on the (term-end) extract date: DfE census
        -- days are the first Thursday of October (AUT), third Thursday of January (SPR) and
        -- third Thursday of May (SUM), so a pupil who moved after census day still shows the
        -- old address in the summer extract and must not outvote newer evidence of a move.
        {{ person_columns(
            'council_education__school_census',
            ['UPN', 'CensusTerm'],
            person_ref='"UPN"',
            forenames='"LegalForename"',
            surname='"LegalSurname"',
            middle_names='"MiddleNames"',
            dob='"DOB"',
            sex='"Gender"',
            address=['"AddressLine1"', '"AddressLine2"', '"AddressLine3"', '"AddressLine4"'],
            postcode='"PostCode"',
            upn='"UPN"',
            event_date="coalesce(" ~ census_day('"CensusTerm"') ~ ", cast(_extract_date as date))"
        ) }}
        "CensusTerm" as census_term,
        "LAEstab" as school_id,
        "NCyearActual" as year_group,
        "EntryDate" as entered_school_on,
        {{ lineage_columns() }}

    from source

)

select * from renamed
