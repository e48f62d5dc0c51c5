-- The UPRN each person record's address matched (uk-address-matcher against the gazetteer).
with

source as (

    select * from {{ source('linkage', 'record_uprns') }}

),

renamed as (

    select
        cast(record_id as varchar) as record_id,
        cast(uprn as varchar) as uprn,
        match_weight,
        match_status,

    from source

)

select * from renamed
