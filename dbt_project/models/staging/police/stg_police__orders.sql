-- Court orders and out-of-court disposals being served; re-sent when they end.
-- delta source: every row extracted up to var('as_at_date'), latest version of each key.
with

source as (

    {{ source_as_at('police__orders', 'delta', ['ORDER_REF']) }}

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
