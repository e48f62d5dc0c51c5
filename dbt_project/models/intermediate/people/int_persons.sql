-- One row per person: the date of birth and sex most of their records agree on. No names:
-- nothing downstream of linkage needs them.
with

record_persons as (

    select * from {{ ref('int_record_persons') }}

),

dobs as (

    select
        person_id,
        dob,
        row_number() over (
            partition by person_id order by count(*) desc, dob desc
        ) as dob_rank,

    from record_persons
    where dob is not null
    group by person_id, dob

),

sexes as (

    select
        person_id,
        sex,
        row_number() over (
            partition by person_id order by count(*) desc, sex
        ) as sex_rank,

    from record_persons
    where sex in ('M', 'F')
    group by person_id, sex

),

persons as (

    select
        person_id,
        bool_or(is_linked) as is_linked,
        count(*) as record_count,
        min(event_on) as first_recorded_on,
        max(event_on) as last_recorded_on,

    from record_persons
    group by person_id

),

final as (

    select
        persons.person_id,
        dobs.dob,
        coalesce(sexes.sex, 'U') as sex,
        persons.is_linked,
        persons.record_count,
        persons.first_recorded_on,
        persons.last_recorded_on,

    from persons
    left join dobs
        on persons.person_id = dobs.person_id
        and dobs.dob_rank = 1
    left join sexes
        on persons.person_id = sexes.person_id
        and sexes.sex_rank = 1

)

select * from final
