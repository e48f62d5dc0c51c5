-- Early help and social care episodes; an episode is re-sent when it closes.
-- delta source: every version of every record in every extract (intermediate picks the as-at one).
with

source as (

    {{ source_versions('council_social_care__episodes', ['EpisodeID']) }}

),

renamed as (

    select
        {{ person_columns(
            'council_social_care__episodes',
            ['EpisodeID'],
            person_ref='"PersonID"',
            comma_name='"FullName"',
            dob='"DateOfBirth"',
            sex='"Gender"',
            address='"Address"',
            postcode='"Postcode"',
            nhs_number='"NHSNumber"',
            event_date='"StartDate"'
        ) }}
        "EpisodeType" as episode_type,
        "StartDate" as started_on,
        "EndDate" as ended_on,
        {{ lineage_columns() }}

    from source

)

select * from renamed
