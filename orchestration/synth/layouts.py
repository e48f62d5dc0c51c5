"""Each agency's extract layout: the single source of the contract YAML files and of the writer.

A layout maps every column of an agency's file to a canonical field of the synthetic record
(`field`), so the generator and the contract can never disagree. `render_contracts.py` turns
these layouts into `orchestration/contracts/<agency>/<dataset>.yml`; a test checks the files
on disk are current. Column names, date formats, code lists and encodings imitate each
agency's own systems (police RMS upper case, NHS data-dictionary snake case, DfE CamelCase,
social care "SURNAME, Forename").
"""

from __future__ import annotations

from dataclasses import dataclass, field

ISO = "%Y-%m-%d"
UK = "%d/%m/%Y"
UK_DT = "%d/%m/%Y %H:%M"
ISO_DT = "%Y-%m-%dT%H:%M:%S"
DWP = "%Y%m%d"
HOUSING = [UK, "%d-%b-%Y"]  # Northgate screens and old batch exports disagree

IAO = {
    "council_gis": ("Head of Corporate GIS", "Bristol City Council"),
    "council_education": ("Head of Education Data and Performance", "Bristol City Council"),
    "council_social_care": ("Head of Children's Social Care Performance", "Bristol City Council"),
    "council_housing": ("Head of Housing Options and Estate Management", "Bristol City Council"),
    "council_revenues": ("Head of Revenues and Benefits", "Bristol City Council"),
    "dwp": ("Local Authority Data Sharing Lead", "Department for Work and Pensions"),
    "police": ("Head of Corporate Information Management", "Avon and Somerset Constabulary"),
    "nhs": ("Caldicott Guardian", "NHS Bristol, North Somerset and South Gloucestershire"),
}

# Numbered as in programme-rules.md.
GATEWAYS = {
    "crime": [1, 5, 9, 10, 11, 12],
    "custody": [1, 5, 7, 9, 10],
    "licence": [5, 7, 9, 10],
    "orders": [1, 5, 7, 9, 10, 11, 12],
    "school": [1, 4, 5, 8, 9, 10, 11, 12],
    "children": [1, 2, 4, 6, 8, 9, 10, 11, 12],
    "homeless": [1, 2, 3, 4, 6, 8, 9, 10, 11, 12],
    "work": [1, 9, 10, 13],
    "neet": [1, 4, 6, 8, 9, 10, 11, 12],
    "da": [1, 4, 7, 9, 10, 11, 12],
    "health": [1, 7, 9, 10, 11, 12],
    "baseline": [8, 9, 10],
}

RETENTION = {
    "years": 8,
    "start": "programme_end",
    "basis": "Programme end plus 8 years (council retention schedule)",
}
# The one dated setting retention counts from (rendered to orchestration/contracts/programme.yml).
PROGRAMME = {
    "name": "Troubled Families",
    "end_date": "2020-03-31",
    "basis": "The information sharing agreement: the programme concludes in 2020",
    # The web application's audit trail keeps who looked, when and at what kind of page for
    # good; who was looked at, why and from where is disposed of after this many years.
    "audit_detail_years": 2,
}


@dataclass(frozen=True)
class Column:
    name: str
    field: str  # canonical field the writer renders into this column
    type: str = "string"
    format: str | list[str] | None = None
    required: bool = False
    identifier_kind: str | None = None  # set => personal identifier
    allowed_values: list[str] | None = None
    description: str = ""


@dataclass(frozen=True)
class Layout:
    agency: str
    dataset: str
    description: str
    indicators: list[str]
    gateways: list[int]
    kind: str  # delta | snapshot
    schedule: str  # monthly | quarterly | termly
    encoding: str
    delimiter: str
    extension: str
    primary_key: list[str]
    person_key: list[str]
    columns: list[Column] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.agency}/{self.dataset}"

    @property
    def max_days_between_extracts(self) -> int:
        # Summer holidays make the longest termly gap about 150 days.
        return {"monthly": 40, "quarterly": 100, "termly": 160}[self.schedule]


def C(name, field, type="string", fmt=None, req=False, kind=None, allowed=None, desc=""):
    return Column(name, field, type, fmt, req, kind, allowed, desc)


# --- person blocks, one per agency style -------------------------------------------------

SEX_MF = ["M", "F"]
SEX_MFU = ["M", "F", "U"]
SEX_NHS = [
    "0",
    "1",
    "2",
    "9",
]  # NHS data dictionary: 0 not known, 1 male, 2 female, 9 not specified
SEX_WORD = ["Male", "Female", "Unknown"]


def _education_person(dob_fmt=ISO, address=True):
    cols = [
        C(
            "UPN",
            "upn",
            req=True,
            kind="upn",
            desc="Unique Pupil Number (13 characters, check letter first).",
        ),
        C("LegalSurname", "surname", kind="name", desc="Pupil's legal surname."),
        C("LegalForename", "first_name", kind="name", desc="Pupil's legal forename."),
    ]
    if address:
        cols.append(
            C("MiddleNames", "middle_names", kind="name", desc="Middle names, space separated.")
        )
    cols += [
        C("DOB", "dob", "date", dob_fmt, kind="date_of_birth", desc="Date of birth."),
        C("Gender", "sex", allowed=SEX_MF, kind="other", desc="Gender as recorded by the school."),
    ]
    return cols


def _lines(prefix_style):
    names = {
        "camel": ["AddressLine1", "AddressLine2", "AddressLine3", "AddressLine4"],
        "snake": ["address_line_1", "address_line_2", "address_line_3", "address_line_4"],
        "upper": ["ADDRESS_LINE_1", "ADDRESS_LINE_2", "ADDRESS_LINE_3", "ADDRESS_LINE_4"],
    }[prefix_style]
    return [
        C(n, f"address_line_{i + 1}", kind="address", desc=f"Address line {i + 1}.")
        for i, n in enumerate(names)
    ]


def _police_person(name_style="split", pnc=False, address_col="ADDRESS"):
    cols = [
        C(
            "NOMINAL_ID",
            "person_ref",
            req=True,
            kind="local_ref",
            desc="Force nominal (person) reference.",
        )
    ]
    if name_style == "split":
        cols += [
            C("SURNAME", "surname", kind="name", desc="Surname, upper case as keyed."),
            C("FORENAMES", "forenames", kind="name", desc="Forename and middle names."),
        ]
    else:
        cols.append(C("NAME", "full_name_sf", kind="name", desc='"SURNAME, Forename(s)".'))
    cols += [
        C("DOB", "dob", "date", UK, kind="date_of_birth", desc="Date of birth."),
        C("SEX", "sex", allowed=SEX_MFU, kind="other", desc="Sex: M, F or U (unknown)."),
        C(
            address_col,
            "address_single",
            kind="address",
            desc="Address as one comma-separated field.",
        ),
        C("POSTCODE", "postcode", kind="postcode", desc="Postcode."),
    ]
    if pnc:
        cols.append(
            C(
                "PNC_ID",
                "pnc_id",
                kind="other",
                desc="Police National Computer id, where the person has one.",
            )
        )
    return cols


def _nhs_person(local_ref, dob_fmt=ISO, lines=True, sex_col="person_stated_gender_code"):
    cols = [
        C(
            local_ref,
            "person_ref",
            req=True,
            kind="local_ref",
            desc="Provider's local patient identifier.",
        ),
        C(
            "nhs_number",
            "nhs_number",
            kind="nhs_number",
            desc="NHS number (10 digits, modulus 11), where traced.",
        ),
        C("person_family_name", "surname", kind="name", desc="Family name."),
        C("person_given_name", "first_name", kind="name", desc="Given name."),
        C("date_of_birth", "dob", "date", dob_fmt, kind="date_of_birth", desc="Date of birth."),
        C(
            sex_col,
            "sex_nhs",
            allowed=SEX_NHS,
            kind="other",
            desc="Person stated gender code: 0 not known, 1 male, 2 female, 9 not specified.",
        ),
    ]
    if lines:
        cols += _lines("snake")[:3]
    cols.append(C("postcode", "postcode", kind="postcode", desc="Postcode of usual address."))
    return cols


def _social_care_person():
    return [
        C(
            "PersonID",
            "person_ref",
            req=True,
            kind="local_ref",
            desc="Social care case management person id.",
        ),
        C("FullName", "full_name_sf", kind="name", desc='"SURNAME, Forename".'),
        C("DateOfBirth", "dob", "date", UK, kind="date_of_birth", desc="Date of birth."),
        C("Gender", "sex_word", allowed=SEX_WORD, kind="other", desc="Gender."),
        C("NHSNumber", "nhs_number", kind="nhs_number", desc="NHS number where recorded."),
        C("Address", "address_single", kind="address", desc="Address as one field."),
        C("Postcode", "postcode", kind="postcode", desc="Postcode."),
    ]


EXCLUSION_REASONS = ["PP", "PA", "VP", "VA", "BU", "RA", "DM", "TH", "DA", "SM", "DB", "OT"]
NCCIS_ACTIVITY = ["110", "120", "130", "200", "210", "220", "540", "550", "610", "620", "810"]
HO_OUTCOMES = ["1", "2", "3", "4", "6", "7", "8", "14", "15", "16", "18"]
OFFENCE_GROUPS = [
    "VIOLENCE",
    "SEXUAL",
    "ROBBERY",
    "THEFT",
    "BURGLARY",
    "VEHICLE",
    "CRIMINAL_DAMAGE",
    "DRUGS",
    "PUBLIC_ORDER",
    "WEAPONS",
    "OTHER",
]
TERMS = ["AUT", "SPR", "SUM"]

LAYOUTS: list[Layout] = [
    Layout(
        "council_gis",
        "gazetteer",
        "Local Land and Property Gazetteer export: one row per addressable property (BLPU/LPI).",
        [],
        GATEWAYS["baseline"],
        "snapshot",
        "quarterly",
        "utf-8",
        ",",
        "csv",
        ["UPRN"],
        [],
        [
            C("UPRN", "uprn", req=True, desc="Unique Property Reference Number."),
            C("PARENT_UPRN", "parent_uprn", desc="UPRN of the building a flat or room is part of."),
            C("SAO_TEXT", "sao_text", desc="Secondary addressable object: flat, room or floor."),
            C("PAO_START_NUMBER", "pao_number", "integer", desc="Building number."),
            C("PAO_START_SUFFIX", "pao_suffix", desc="Letter after the building number (14A)."),
            C("PAO_TEXT", "pao_text", desc="Building or house name."),
            C("STREET_DESCRIPTION", "street", req=True, desc="Street name."),
            C("LOCALITY", "locality", desc="Locality (district of the city)."),
            C("TOWN_NAME", "town", req=True, desc="Town."),
            C("POSTCODE_LOCATOR", "postcode", req=True, desc="Postcode."),
            C("WARD_CODE", "ward_code", req=True, desc="ONS electoral ward code."),
            C("WARD_NAME", "ward_name", req=True, desc="Electoral ward name."),
            C(
                "CLASSIFICATION_CODE",
                "classification",
                req=True,
                allowed=["RD02", "RD03", "RD04", "RD06", "RH02", "PP"],
                desc="AddressBase class: RD02 detached, RD03 semi, RD04 terraced, RD06 flat, "
                "RH02 HMO, PP property shell "
                "(a block or converted house; no one lives at the shell).",
            ),
        ],
    ),
    Layout(
        "council_education",
        "school_census",
        "School census (termly snapshot): one row per pupil on roll at a Bristol school on "
        "census day.",
        [],
        GATEWAYS["school"],
        "snapshot",
        "termly",
        "utf-8",
        ",",
        "csv",
        ["UPN", "CensusTerm"],
        ["UPN"],
        [
            C("CensusTerm", "census_term", req=True, desc='Census, e.g. "2015/16 SPR".'),
            C("LAEstab", "laestab", req=True, desc="School: LA number + establishment number."),
            *_education_person(ISO),
            C(
                "NCyearActual",
                "nc_year",
                allowed=["R", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13"],
                desc="National curriculum year group (R reception).",
            ),
            C("EntryDate", "entry_date", "date", ISO, desc="Date the pupil joined this school."),
            *_lines("camel"),
            C("PostCode", "postcode", kind="postcode", desc="Postcode."),
        ],
    ),
    Layout(
        "council_education",
        "attendance",
        "Pupil attendance, one row per pupil per school per term: sessions possible and missed.",
        ["2A"],
        GATEWAYS["school"],
        "delta",
        "termly",
        "utf-8-sig",
        ",",
        "csv",
        ["UPN", "LAEstab", "AcademicYear", "Term"],
        ["UPN"],
        [
            *_education_person(UK, address=False),
            C("LAEstab", "laestab", req=True, desc="School."),
            C("AcademicYear", "academic_year", req=True, desc='Academic year, e.g. "2015/16".'),
            C("Term", "term", req=True, allowed=TERMS, desc="AUT, SPR or SUM."),
            C("TermEndDate", "term_end", "date", UK, req=True, desc="Last day of the term."),
            C(
                "SessionsPossible",
                "sessions_possible",
                "integer",
                req=True,
                desc="Possible half-day sessions.",
            ),
            C(
                "AuthorisedAbsence",
                "authorised_absence",
                "integer",
                req=True,
                desc="Sessions missed, authorised.",
            ),
            C(
                "UnauthorisedAbsence",
                "unauthorised_absence",
                "integer",
                req=True,
                desc="Sessions missed, unauthorised. Missed = authorised + unauthorised.",
            ),
        ],
    ),
    Layout(
        "council_education",
        "exclusions",
        "Exclusions, one row per exclusion (fixed period or permanent).",
        ["2B", "2C"],
        GATEWAYS["school"],
        "delta",
        "termly",
        "utf-8",
        ",",
        "csv",
        ["ExclusionID"],
        ["UPN"],
        [
            C("ExclusionID", "record_ref", req=True, desc="Exclusion reference."),
            *_education_person(ISO, address=False),
            C("LAEstab", "laestab", req=True, desc="School."),
            C(
                "Category",
                "exclusion_category",
                req=True,
                allowed=["FIXD", "PERM", "LNCH"],
                desc="FIXD fixed period, PERM permanent, LNCH lunchtime.",
            ),
            C("StartDate", "event_date", "date", ISO, req=True, desc="First day of the exclusion."),
            C("Sessions", "sessions", "integer", desc="Half-day sessions excluded (fixed period)."),
            C(
                "Reason",
                "exclusion_reason",
                allowed=EXCLUSION_REASONS,
                desc="DfE exclusion reason code.",
            ),
        ],
    ),
    Layout(
        "council_education",
        "alternative_provision",
        "Placements in pupil referral units and alternative provision; a placement is re-sent "
        "when it ends.",
        ["2D"],
        GATEWAYS["school"],
        "delta",
        "termly",
        "cp1252",
        ",",
        "csv",
        ["PlacementID"],
        ["UPN"],
        [
            C("PlacementID", "record_ref", req=True, desc="Placement reference."),
            *_education_person(UK, address=False),
            C("PostCode", "postcode", kind="postcode", desc="Home postcode."),
            C(
                "SettingType",
                "setting_type",
                req=True,
                allowed=["PRU", "AP_ACADEMY", "AP_FREE_SCHOOL", "INDEPENDENT_AP"],
                desc="Kind of setting.",
            ),
            C("SettingURN", "setting_urn", desc="Setting's unique reference number."),
            C("StartDate", "event_date", "date", UK, req=True, desc="Placement start."),
            C("EndDate", "end_date", "date", UK, desc="Placement end; empty while open."),
        ],
    ),
    Layout(
        "council_education",
        "neet",
        "Client Caseload Information System: activity of young people of academic age 16-18, "
        "monthly.",
        ["4B", "4C"],
        GATEWAYS["neet"],
        "snapshot",
        "monthly",
        "cp1252",
        ",",
        "csv",
        ["ClientID", "ReportingPeriod"],
        ["ClientID"],
        [
            C("ReportingPeriod", "period", req=True, desc='Month of the snapshot, "YYYY-MM".'),
            C("ClientID", "person_ref", req=True, kind="local_ref", desc="CCIS client id."),
            C("UPN", "upn", kind="upn", desc="UPN where known (from school transfer)."),
            C("Surname", "surname", kind="name", desc="Surname."),
            C("Forename", "first_name", kind="name", desc="Forename."),
            C("DOB", "dob", "date", UK, kind="date_of_birth", desc="Date of birth."),
            C("Gender", "sex", allowed=SEX_MF, kind="other", desc="Gender."),
            C("Address1", "address_line_1", kind="address", desc="Address line 1."),
            C("Address2", "address_line_2", kind="address", desc="Address line 2."),
            C("Postcode", "postcode", kind="postcode", desc="Postcode."),
            C(
                "AcademicAge",
                "academic_age",
                "integer",
                req=True,
                desc="Age on 31 August before the academic year.",
            ),
            C(
                "ActivityCode",
                "activity_code",
                req=True,
                allowed=NCCIS_ACTIVITY,
                desc="NCCIS activity: 110 school sixth form, 120 sixth form college, 130 FE, "
                "200 apprenticeship, "
                "210 employment with training, 220 employment without training, 540 NEET seeking, "
                "550 NEET not yet ready, 610 NEET young carer, 620 NEET teenage parent, 810 "
                "not known.",
            ),
            C(
                "ActivityStartDate",
                "activity_start",
                "date",
                UK,
                desc="When the current activity began.",
            ),
            C(
                "RiskOfNEET",
                "risk_of_neet",
                allowed=["Y", "N"],
                desc="Risk of NEET indicator (RONI) flag.",
            ),
        ],
    ),
    Layout(
        "nhs",
        "child_health",
        "Child health information system: children 0-18 registered with a Bristol GP, quarterly.",
        [],
        GATEWAYS["baseline"],
        "snapshot",
        "quarterly",
        "utf-8",
        ",",
        "csv",
        ["child_health_id", "reporting_period"],
        ["child_health_id"],
        [
            C("reporting_period", "period", req=True, desc='Quarter, e.g. "2016-Q2".'),
            *_nhs_person("child_health_id"),
            C("gp_practice_code", "gp_practice", desc="Registered GP practice (ODS code)."),
            C(
                "gp_registration_date",
                "gp_registration_date",
                "date",
                ISO,
                desc="Date registered with that practice.",
            ),
        ],
    ),
    Layout(
        "council_social_care",
        "referrals",
        "Contacts accepted as referrals to children's social care.",
        [],
        GATEWAYS["children"],
        "delta",
        "monthly",
        "utf-8-sig",
        ",",
        "csv",
        ["ReferralID"],
        ["PersonID"],
        [
            C("ReferralID", "record_ref", req=True, desc="Referral id."),
            *_social_care_person(),
            C("ReferralDate", "event_date", "date", UK, req=True, desc="Date of referral."),
            C(
                "ReferralSource",
                "referral_source",
                allowed=["POLICE", "SCHOOL", "HEALTH", "LA", "INDIVIDUAL", "OTHER"],
                desc="Who referred.",
            ),
            C(
                "Outcome",
                "referral_outcome",
                allowed=["NFA", "EARLY_HELP", "ASSESSMENT", "S47"],
                desc="Outcome.",
            ),
        ],
    ),
    Layout(
        "council_social_care",
        "episodes",
        "Early help and social care episodes; an episode is re-sent when it closes.",
        ["3A", "3B", "3C", "3D"],
        GATEWAYS["children"],
        "delta",
        "monthly",
        "utf-8-sig",
        ",",
        "csv",
        ["EpisodeID"],
        ["PersonID"],
        [
            C("EpisodeID", "record_ref", req=True, desc="Episode id."),
            *_social_care_person(),
            C(
                "EpisodeType",
                "episode_type",
                req=True,
                allowed=["EH", "CIN", "CP", "LAC"],
                desc="EH early help, CIN child in need, CP child protection plan, "
                "LAC looked after.",
            ),
            C("StartDate", "event_date", "date", UK, req=True, desc="Episode start."),
            C("EndDate", "end_date", "date", UK, desc="Episode end; empty while open."),
        ],
    ),
    Layout(
        "council_housing",
        "tenancies",
        "Council tenancies: tenants and household members on current tenancies, quarterly.",
        [],
        GATEWAYS["homeless"],
        "snapshot",
        "quarterly",
        "cp1252",
        ",",
        "csv",
        ["TENANCY_REF", "PERSON_REF", "QUARTER"],
        ["PERSON_REF"],
        [
            C("QUARTER", "period", req=True, desc='Snapshot quarter, e.g. "2016Q2".'),
            C("TENANCY_REF", "tenancy_ref", req=True, desc="Tenancy reference."),
            C(
                "PERSON_REF",
                "person_ref",
                req=True,
                kind="local_ref",
                desc="Housing person reference.",
            ),
            C(
                "TENANT_TYPE",
                "tenant_type",
                allowed=["LEAD", "JOINT", "MEMBER"],
                desc="Role on the tenancy.",
            ),
            C("FORENAME", "first_name", kind="name", desc="Forename."),
            C("SURNAME", "surname", kind="name", desc="Surname."),
            C(
                "DOB",
                "dob",
                "date",
                HOUSING,
                kind="date_of_birth",
                desc="Date of birth (two formats in use).",
            ),
            C(
                "NI_NUMBER",
                "ni_number",
                kind="ni_number",
                desc="National Insurance number (tenants 16+).",
            ),
            C("ADDRESS", "address_single", kind="address", desc="Property address."),
            C("POSTCODE", "postcode", kind="postcode", desc="Postcode."),
            C("TENANCY_START", "tenancy_start", "date", HOUSING, desc="Tenancy start date."),
        ],
    ),
    Layout(
        "council_housing",
        "homelessness",
        "Homelessness applications and decisions (P1E); an application is re-sent when decided.",
        ["3G"],
        GATEWAYS["homeless"],
        "delta",
        "monthly",
        "cp1252",
        ",",
        "csv",
        ["CASE_REF"],
        ["APPLICANT_REF"],
        [
            C("CASE_REF", "record_ref", req=True, desc="Case reference."),
            C(
                "APPLICANT_REF",
                "person_ref",
                req=True,
                kind="local_ref",
                desc="Housing person reference.",
            ),
            C("APPLICANT_NAME", "full_name_sf", kind="name", desc='"SURNAME, Forename".'),
            C("DOB", "dob", "date", HOUSING, kind="date_of_birth", desc="Date of birth."),
            C("NI_NUMBER", "ni_number", kind="ni_number", desc="National Insurance number."),
            C(
                "LAST_SETTLED_ADDRESS",
                "address_single",
                kind="address",
                desc="Last settled address.",
            ),
            C("POSTCODE", "postcode", kind="postcode", desc="Postcode of last settled address."),
            C("APPLICATION_DATE", "event_date", "date", UK, req=True, desc="Date of application."),
            C(
                "DECISION",
                "decision",
                allowed=["PENDING", "ACCEPTED", "INTENTIONAL", "NOT_PRIORITY", "NOT_HOMELESS"],
                desc="ACCEPTED, INTENTIONAL and NOT_PRIORITY all mean found homeless.",
            ),
            C(
                "DECISION_DATE",
                "end_date",
                "date",
                UK,
                desc="Date of decision; empty while pending.",
            ),
        ],
    ),
    Layout(
        "council_housing",
        "asb_cases",
        "Council anti-social behaviour cases: one row per person named on a case.",
        ["1B"],
        GATEWAYS["crime"],
        "delta",
        "monthly",
        "cp1252",
        ",",
        "csv",
        ["CASE_NO", "PERSON_REF"],
        ["PERSON_REF"],
        [
            C("CASE_NO", "record_ref", req=True, desc="ASB case number."),
            C(
                "PERSON_REF",
                "person_ref",
                req=True,
                kind="local_ref",
                desc="Housing person reference.",
            ),
            C("SURNAME", "surname", kind="name", desc="Surname."),
            C("FORENAME", "first_name", kind="name", desc="Forename."),
            C("DOB", "dob", "date", HOUSING, kind="date_of_birth", desc="Date of birth."),
            C("ADDRESS", "address_single", kind="address", desc="Address."),
            C("POSTCODE", "postcode", kind="postcode", desc="Postcode."),
            C("CASE_OPENED", "event_date", "date", UK, req=True, desc="Date the case opened."),
            C(
                "CASE_TYPE",
                "asb_type",
                allowed=["NOISE", "HARASSMENT", "VANDALISM", "DRUGS", "OTHER"],
                desc="Type.",
            ),
            C(
                "ROLE",
                "role",
                req=True,
                allowed=["PERPETRATOR", "VICTIM"],
                desc="Role of the person on the case.",
            ),
        ],
    ),
    Layout(
        "council_revenues",
        "benefit_cap",
        "Housing benefit claims reduced by the benefit cap, monthly.",
        ["4E"],
        GATEWAYS["work"],
        "snapshot",
        "monthly",
        "utf-8",
        ",",
        "csv",
        ["HB_CLAIM_REF", "PERIOD"],
        ["HB_CLAIM_REF"],
        [
            C("PERIOD", "period", req=True, desc='Month, "YYYY-MM".'),
            C(
                "HB_CLAIM_REF",
                "person_ref",
                req=True,
                kind="local_ref",
                desc="Housing benefit claim reference.",
            ),
            C("CLAIMANT_NAME", "full_name_sf", kind="name", desc='"SURNAME, Forename".'),
            C("DOB", "dob", "date", UK, kind="date_of_birth", desc="Date of birth."),
            C("NINO", "ni_number", kind="ni_number", desc="National Insurance number."),
            C("ADDRESS", "address_single", kind="address", desc="Address."),
            C("POSTCODE", "postcode", kind="postcode", desc="Postcode."),
            C(
                "CAP_START_DATE",
                "cap_start",
                "date",
                UK,
                req=True,
                desc="Date the cap was first applied.",
            ),
            C("WEEKLY_CAP_AMOUNT", "cap_amount", "decimal", desc="Weekly reduction, GBP."),
        ],
    ),
    Layout(
        "dwp",
        "out_of_work_benefits",
        "Working-age out-of-work benefit claims live in the quarter (WPLS extract), "
        "pipe-delimited.",
        ["4A"],
        GATEWAYS["work"],
        "snapshot",
        "quarterly",
        "cp1252",
        "|",
        "txt",
        ["NINO", "BENEFIT_TYPE", "SNAPSHOT"],
        ["NINO"],
        [
            C("SNAPSHOT", "period", req=True, desc='Quarter end month, "YYYYMM".'),
            C(
                "NINO",
                "ni_number",
                req=True,
                kind="ni_number",
                desc="National Insurance number; a TN-prefixed temporary reference "
                "where none is traced.",
            ),
            C("SURNAME", "surname", kind="name", desc="Surname."),
            C("FORENAME", "first_name", kind="name", desc="Forename."),
            C("DOB", "dob", "date", DWP, kind="date_of_birth", desc="Date of birth, YYYYMMDD."),
            C("SEX", "sex", allowed=SEX_MF, kind="other", desc="Sex."),
            *_lines("upper"),
            C("POSTCODE", "postcode", kind="postcode", desc="Postcode."),
            C(
                "BENEFIT_TYPE",
                "benefit_type",
                req=True,
                allowed=["JSA", "ESA", "IB", "IS_LP", "IS_OTH", "UC_SW"],
                desc="JSA, ESA, incapacity benefit, income support (lone parent / other), "
                "UC searching for work.",
            ),
            C("START_DATE", "claim_start", "date", DWP, req=True, desc="Claim start."),
            C(
                "END_DATE",
                "end_date",
                "date",
                DWP,
                desc="Claim end if it ended within the quarter.",
            ),
        ],
    ),
    Layout(
        "police",
        "offences",
        "Recorded offences with Home Office outcome: one row per suspect per offence.",
        ["1A"],
        GATEWAYS["crime"],
        "delta",
        "monthly",
        "cp1252",
        ",",
        "csv",
        ["CRIME_REF", "NOMINAL_ID"],
        ["NOMINAL_ID"],
        [
            C("CRIME_REF", "record_ref", req=True, desc="Crime reference."),
            *_police_person(pnc=True),
            C("OFFENCE_DATE", "event_date", "date", UK, req=True, desc="Date of offence."),
            C("OFFENCE_GROUP", "offence_group", allowed=OFFENCE_GROUPS, desc="Offence group."),
            C(
                "OUTCOME_CODE",
                "outcome_code",
                allowed=HO_OUTCOMES,
                desc="Home Office outcome type. Proven: 1 charge/summons, 2 youth caution, "
                "3 adult caution, "
                "4 taken into consideration, 6 penalty notice, 7 cannabis warning, 8 "
                "community resolution. "
                "Not proven: 14-16 evidential difficulties, 18 investigation complete.",
            ),
            C("OUTCOME_DATE", "end_date", "date", UK, desc="Date of outcome."),
        ],
    ),
    Layout(
        "police",
        "asb_incidents",
        "Anti-social behaviour incidents: one row per person linked to an incident.",
        ["1B"],
        GATEWAYS["crime"],
        "delta",
        "monthly",
        "cp1252",
        ",",
        "csv",
        ["INCIDENT_NO", "NOMINAL_ID"],
        ["NOMINAL_ID"],
        [
            C("INCIDENT_NO", "record_ref", req=True, desc="Incident number."),
            *_police_person(name_style="sf"),
            C(
                "INCIDENT_DATETIME",
                "event_datetime",
                "datetime",
                UK_DT,
                req=True,
                desc="When reported.",
            ),
            C(
                "ASB_CATEGORY",
                "asb_category",
                allowed=["PERSONAL", "NUISANCE", "ENVIRONMENTAL"],
                desc="Category.",
            ),
            C(
                "ROLE",
                "role",
                req=True,
                allowed=["SUSPECT", "VICTIM", "WITNESS"],
                desc="Person's role.",
            ),
        ],
    ),
    Layout(
        "police",
        "arrests",
        "Arrests.",
        [],
        GATEWAYS["crime"],
        "delta",
        "monthly",
        "cp1252",
        ",",
        "csv",
        ["ARREST_REF"],
        ["NOMINAL_ID"],
        [
            C("ARREST_REF", "record_ref", req=True, desc="Arrest reference."),
            *_police_person(pnc=True),
            C("ARREST_DATE", "event_date", "date", UK, req=True, desc="Date of arrest."),
            C(
                "ARREST_REASON",
                "offence_group",
                allowed=OFFENCE_GROUPS,
                desc="Offence group of the arrest.",
            ),
        ],
    ),
    Layout(
        "police",
        "custody_releases",
        "Releases from prison to a Bristol address notified to the force (IOM).",
        ["1C"],
        GATEWAYS["custody"],
        "delta",
        "monthly",
        "cp1252",
        ",",
        "csv",
        ["RELEASE_REF"],
        ["NOMINAL_ID"],
        [
            C("RELEASE_REF", "record_ref", req=True, desc="Release notification reference."),
            *_police_person(pnc=True, address_col="RELEASE_ADDRESS"),
            C("RELEASE_DATE", "event_date", "date", UK, req=True, desc="Date released."),
            C(
                "RELEASE_TYPE",
                "release_type",
                allowed=["LICENCE", "END_OF_SENTENCE", "HDC"],
                desc="Type of release.",
            ),
        ],
    ),
    Layout(
        "police",
        "orders",
        "Court orders and out-of-court disposals being served; re-sent when they end.",
        ["1D", "1E"],
        GATEWAYS["orders"],
        "delta",
        "monthly",
        "cp1252",
        ",",
        "csv",
        ["ORDER_REF"],
        ["NOMINAL_ID"],
        [
            C("ORDER_REF", "record_ref", req=True, desc="Order reference."),
            *_police_person(pnc=True),
            C(
                "ORDER_TYPE",
                "order_type",
                req=True,
                allowed=[
                    "LICENCE",
                    "SUPERVISION",
                    "COMMUNITY_ORDER",
                    "YOUTH_REHAB_ORDER",
                    "ABC",
                    "RESTORATIVE_JUSTICE",
                ],
                desc="LICENCE and SUPERVISION feed 1D; the others feed 1E.",
            ),
            C("START_DATE", "event_date", "date", UK, req=True, desc="Order start."),
            C("END_DATE", "end_date", "date", UK, desc="Order end; empty while running."),
        ],
    ),
    Layout(
        "police",
        "missing_episodes",
        "Children reported missing: one row per missing episode.",
        ["3F"],
        GATEWAYS["children"],
        "delta",
        "monthly",
        "cp1252",
        ",",
        "csv",
        ["MISSING_REF"],
        ["NOMINAL_ID"],
        [
            C("MISSING_REF", "record_ref", req=True, desc="Missing person report reference."),
            *_police_person(address_col="HOME_ADDRESS"),
            C(
                "REPORTED_MISSING",
                "event_datetime",
                "datetime",
                UK_DT,
                req=True,
                desc="When reported missing.",
            ),
            C("FOUND_DATETIME", "end_datetime", "datetime", UK_DT, desc="When found."),
            C(
                "RISK_GRADE",
                "risk_grade",
                allowed=["ABSENT", "LOW", "MEDIUM", "HIGH"],
                desc="Risk grading.",
            ),
        ],
    ),
    Layout(
        "police",
        "exploitation_risk",
        "Child exploitation risk assessments.",
        ["3H"],
        GATEWAYS["children"],
        "delta",
        "monthly",
        "utf-8",
        ",",
        "csv",
        ["ASSESSMENT_REF"],
        ["NOMINAL_ID"],
        [
            C("ASSESSMENT_REF", "record_ref", req=True, desc="Assessment reference."),
            *_police_person(),
            C("ASSESSMENT_DATE", "event_date", "date", UK, req=True, desc="Date assessed."),
            C(
                "EXPLOITATION_TYPE",
                "exploitation_type",
                req=True,
                allowed=["CSE", "CCE"],
                desc="CSE sexual, CCE criminal exploitation.",
            ),
            C(
                "RISK_LEVEL",
                "risk_level",
                req=True,
                allowed=["LOW", "MEDIUM", "HIGH"],
                desc="3H counts CSE at MEDIUM or HIGH.",
            ),
        ],
    ),
    Layout(
        "police",
        "domestic_abuse",
        "Domestic abuse incidents and crimes: one row per person involved, with their role.",
        ["5A", "5B", "5C"],
        GATEWAYS["da"],
        "delta",
        "monthly",
        "cp1252",
        ",",
        "csv",
        ["INCIDENT_NO", "NOMINAL_ID"],
        ["NOMINAL_ID"],
        [
            C("INCIDENT_NO", "record_ref", req=True, desc="Incident number."),
            *_police_person(name_style="sf"),
            C(
                "INCIDENT_DATETIME",
                "event_datetime",
                "datetime",
                UK_DT,
                req=True,
                desc="When reported.",
            ),
            C(
                "INCIDENT_ADDRESS",
                "incident_address",
                desc="Where police attended (address of the call-out).",
            ),
            C("INCIDENT_POSTCODE", "incident_postcode", desc="Postcode where police attended."),
            C(
                "ROLE",
                "role",
                req=True,
                allowed=["VICTIM", "PERPETRATOR", "CHILD_PRESENT"],
                desc="Person's role.",
            ),
            C(
                "DASH_RISK",
                "dash_risk",
                allowed=["STANDARD", "MEDIUM", "HIGH"],
                desc="DASH risk level.",
            ),
            C("CRIME_FLAG", "crime_flag", allowed=["Y", "N"], desc="Y when recorded as a crime."),
        ],
    ),
    Layout(
        "nhs",
        "mental_health",
        "Secondary mental health services (MHSDS-like): one row per referral, re-sent on "
        "discharge.",
        ["6A"],
        GATEWAYS["health"],
        "delta",
        "monthly",
        "utf-8",
        ",",
        "csv",
        ["service_request_id"],
        ["local_patient_id"],
        [
            C("service_request_id", "record_ref", req=True, desc="Referral (service request) id."),
            *_nhs_person("local_patient_id", lines=False),
            C(
                "referral_received_date",
                "event_date",
                "date",
                ISO,
                req=True,
                desc="Referral received.",
            ),
            C(
                "service_discharge_date",
                "end_date",
                "date",
                ISO,
                desc="Discharge; empty while open.",
            ),
            C(
                "team_type",
                "team_type",
                allowed=["CMHT", "IAPT", "CRISIS", "EIP", "CAMHS"],
                desc="Team; CAMHS for under-18s.",
            ),
        ],
    ),
    Layout(
        "nhs",
        "substance_misuse",
        "Drug and alcohol treatment episodes and incidents (NDTMS-like); episodes re-sent on "
        "discharge.",
        ["6B", "6C"],
        GATEWAYS["health"],
        "delta",
        "monthly",
        "utf-8-sig",
        ",",
        "csv",
        ["episode_id"],
        ["client_id"],
        [
            C("episode_id", "record_ref", req=True, desc="Episode or incident id."),
            C(
                "client_id",
                "person_ref",
                req=True,
                kind="local_ref",
                desc="Treatment provider client id.",
            ),
            C("nhs_number", "nhs_number", kind="nhs_number", desc="NHS number where recorded."),
            C("family_name", "surname", kind="name", desc="Family name."),
            C("given_name", "first_name", kind="name", desc="Given name."),
            C("date_of_birth", "dob", "date", UK, kind="date_of_birth", desc="Date of birth."),
            C("sex", "sex", allowed=SEX_MF, kind="other", desc="Sex."),
            C("postcode", "postcode", kind="postcode", desc="Postcode."),
            C(
                "record_type",
                "record_type",
                req=True,
                allowed=["TREATMENT", "INCIDENT"],
                desc="TREATMENT (6C for adults) or INCIDENT (6B).",
            ),
            C(
                "substance",
                "substance",
                allowed=["OPIATE", "NON_OPIATE", "ALCOHOL", "ALCOHOL_NON_OPIATE"],
                desc="Substance group.",
            ),
            C(
                "event_date",
                "event_date",
                "date",
                UK,
                req=True,
                desc="Treatment start or incident date.",
            ),
            C(
                "discharge_date",
                "end_date",
                "date",
                UK,
                desc="Treatment end; empty while in treatment.",
            ),
        ],
    ),
    Layout(
        "nhs",
        "maternity",
        "Maternity bookings (MSDS-like): one row per pregnancy, re-sent after delivery.",
        ["3E"],
        GATEWAYS["children"],
        "delta",
        "monthly",
        "utf-8",
        ",",
        "csv",
        ["pregnancy_id"],
        ["local_patient_id"],
        [
            C("pregnancy_id", "record_ref", req=True, desc="Pregnancy id."),
            *_nhs_person("local_patient_id"),
            C(
                "antenatal_booking_date",
                "event_date",
                "date",
                ISO,
                req=True,
                desc="Booking appointment.",
            ),
            C(
                "delivery_date",
                "end_date",
                "date",
                ISO,
                desc="Delivery date; empty before delivery.",
            ),
        ],
    ),
    Layout(
        "nhs",
        "ae_attendances",
        "Emergency department attendances (ECDS-like).",
        [],
        GATEWAYS["health"],
        "delta",
        "monthly",
        "utf-8",
        ",",
        "csv",
        ["attendance_id"],
        ["local_patient_id"],
        [
            C("attendance_id", "record_ref", req=True, desc="Attendance id."),
            *_nhs_person("local_patient_id", lines=False, sex_col="gender_code"),
            C("address_line_1", "address_line_1", kind="address", desc="First line of address."),
            C("arrival_datetime", "event_datetime", "datetime", ISO_DT, req=True, desc="Arrival."),
            C(
                "attendance_category",
                "ae_category",
                allowed=["1", "2", "3"],
                desc="1 first, 2 planned follow-up, 3 unplanned follow-up.",
            ),
        ],
    ),
]

BY_KEY = {layout.key: layout for layout in LAYOUTS}
