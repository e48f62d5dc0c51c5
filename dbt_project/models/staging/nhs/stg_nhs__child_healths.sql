-- Child health information system: children 0-18 registered with a Bristol GP, quarterly.
-- snapshot source: every extract up to var('as_at_date'); is_latest_extract marks the latest.
with

source as (

    {{ source_as_at('nhs__child_health', 'snapshot', ['child_health_id', 'reporting_period']) }}

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
