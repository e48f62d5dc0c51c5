-- Local Land and Property Gazetteer export: one row per addressable property (BLPU/LPI).
-- snapshot source: every version of every record in every extract (intermediate picks the as-at one).
with

source as (

    {{ source_versions('council_gis__gazetteer', ['UPRN']) }}

),

renamed as (

    select
        {{ record_id('council_gis__gazetteer', ['UPRN']) }} as record_id,
        cast("UPRN" as varchar) as uprn,
        cast("PARENT_UPRN" as varchar) as parent_uprn,
        {{ join_address(['"SAO_TEXT"', "concat_ws('', cast(\"PAO_START_NUMBER\" as varchar), \"PAO_START_SUFFIX\")", '"PAO_TEXT"', '"STREET_DESCRIPTION"', '"LOCALITY"', '"TOWN_NAME"']) }} as address,
        "POSTCODE_LOCATOR" as postcode,
        "WARD_CODE" as ward_code,
        "WARD_NAME" as ward_name,
        "CLASSIFICATION_CODE" as classification_code,
        "CLASSIFICATION_CODE" = 'PP' as is_property_shell,
        _extract_date as extracted_on,
        _superseded_on as superseded_on,

    from source

)

select * from renamed
