-- Child health information system: children 0-18 registered with a Bristol GP, quarterly.
-- snapshot source: every version of every record in every extract (intermediate picks the as-at one).
with

source as (

    {{ source_versions('nhs__child_health', ['child_health_id', 'reporting_period']) }}

),

renamed as (

    select
        {{ person_columns(
            'nhs__child_health',
            ['child_health_id', 'reporting_period'],
            person_ref='"child_health_id"',
            forenames='"person_given_name"',
            surname='"person_family_name"',
            dob='"date_of_birth"',
            sex='"person_stated_gender_code"',
            address=['"address_line_1"', '"address_line_2"', '"address_line_3"'],
            postcode='"postcode"',
            nhs_number='"nhs_number"',
            event_date='_extract_date'
        ) }}
        "reporting_period" as reporting_period,
        "gp_practice_code" as gp_practice_code,
        "gp_registration_date" as gp_registered_on,
        {{ lineage_columns() }}

    from source

)

select * from renamed
