-- Pupil attendance, one row per pupil per school per term: sessions possible and missed.
-- delta source: every row extracted up to var('as_at_date'), latest version of each key.
with

source as (

    {{ source_as_at('council_education__attendance', 'delta', ['UPN', 'LAEstab', 'AcademicYear', 'Term']) }}

),

renamed as (

    select
        {{ person_columns(
            'council_education__attendance',
            ['UPN', 'LAEstab', 'AcademicYear', 'Term'],
            person_ref='"UPN"',
            forenames='"LegalForename"',
            surname='"LegalSurname"',
            dob='"DOB"',
            sex='"Gender"',
            upn='"UPN"',
            event_date='"TermEndDate"'
        ) }}
        "LAEstab" as school_id,
        "AcademicYear" as academic_year,
        "Term" as term,
        "TermEndDate" as term_ended_on,
        "SessionsPossible" as sessions_possible,
        "AuthorisedAbsence" as sessions_authorised_absent,
        "UnauthorisedAbsence" as sessions_unauthorised_absent,
        coalesce("AuthorisedAbsence", 0) + coalesce("UnauthorisedAbsence", 0) as sessions_missed,
        {{ lineage_columns() }}

    from source

)

select * from renamed
