-- Court orders and out-of-court disposals being served; re-sent when they end.
-- delta source: every version of every record in every extract (intermediate picks the as-at one).
with

source as (

    {{ source_versions('police__orders', ['ORDER_REF']) }}

),

renamed as (

    select
        {{ person_columns(
            'police__orders',
            ['ORDER_REF'],
            person_ref='"NOMINAL_ID"',
            forenames='"FORENAMES"',
            surname='"SURNAME"',
            dob='"DOB"',
            sex='"SEX"',
            address='"ADDRESS"',
            postcode='"POSTCODE"',
            event_date='"START_DATE"'
        ) }}
        "PNC_ID" as pnc_id,
        "ORDER_TYPE" as order_type,
        "START_DATE" as started_on,
        "END_DATE" as ended_on,
        {{ lineage_columns() }}

    from source

)

select * from renamed
