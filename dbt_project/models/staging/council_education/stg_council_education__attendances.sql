-- Pupil attendance, one row per pupil per school per term: sessions possible and missed.
-- delta source: every version of every record in every extract (intermediate picks the as-at one).
with

source as (

    {{ source_versions('council_education__attendance', ['UPN', 'LAEstab', 'AcademicYear', 'Term']) }}

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
