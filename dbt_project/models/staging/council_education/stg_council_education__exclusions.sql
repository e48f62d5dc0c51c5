-- Exclusions, one row per exclusion (fixed period or permanent).
-- delta source: every version of every record in every extract (intermediate picks the as-at one).
with

source as (

    {{ source_versions('council_education__exclusions', ['ExclusionID']) }}

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
