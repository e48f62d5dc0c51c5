-- Stable person ids from linkage (Splink clusters): one row per person record.
with

source as (

    select * from {{ source('linkage', 'person_index') }}

),

renamed as (

    select
        cast(record_id as varchar) as record_id,
        cast(person_id as varchar) as person_id,
        cluster_size,
        linked_at,

    from source

)

select * from renamed
