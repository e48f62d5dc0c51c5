-- Placements in pupil referral units and alternative provision; a placement is re-sent when it ends.
-- delta source: every version of every record in every extract (intermediate picks the as-at one).
with

source as (

    {{ source_versions('council_education__alternative_provision', ['PlacementID']) }}

),

renamed as (

    select
        {{ person_columns(
            'council_education__alternative_provision',
            ['PlacementID'],
            person_ref='"UPN"',
            forenames='"LegalForename"',
            surname='"LegalSurname"',
            dob='"DOB"',
            sex='"Gender"',
            postcode='"PostCode"',
            upn='"UPN"',
            event_date='"StartDate"'
        ) }}
        "SettingType" as setting_type,
        "SettingURN" as setting_urn,
        "StartDate" as started_on,
        "EndDate" as ended_on,
        {{ lineage_columns() }}

    from source

)

select * from renamed
