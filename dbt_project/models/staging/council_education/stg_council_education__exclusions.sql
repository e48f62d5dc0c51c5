-- Exclusions, one row per exclusion (fixed period or permanent).
-- delta source: every row extracted up to var('as_at_date'), latest version of each key.
with

source as (

    {{ source_as_at('council_education__exclusions', 'delta', ['ExclusionID']) }}

),

renamed as (

    select
        {{ person_columns(
            'council_education__exclusions',
            ['ExclusionID'],
            person_ref='"UPN"',
            forenames='"LegalForename"',
            surname='"LegalSurname"',
            dob='"DOB"',
            sex='"Gender"',
            upn='"UPN"',
            event_date='"StartDate"'
        ) }}
        "LAEstab" as school_id,
        "Category" as exclusion_category,
        "StartDate" as started_on,
        "Sessions" as sessions,
        "Reason" as exclusion_reason,
        {{ lineage_columns() }}

    from source

)

select * from renamed
