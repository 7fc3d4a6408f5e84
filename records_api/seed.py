"""Demo data: realistic but fake residents and cases (Faker), staff, and dev accounts.

People, case types, statuses and texts are deterministic for a given `seed`; dates are relative to
the day of seeding; case references always come from `secrets` (a seeded reference would be a
guessable one). Seeding a database that already has residents does nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from faker import Faker
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from records_api.admin import StatusStep, add_case, add_dev_user, add_resident, add_staff
from records_api.dev_identity import DevIdentityProvider, demo_password
from records_api.enums import CaseStatus, CaseType, Role
from records_api.masking import Address, ResidentRecord
from records_api.models import Case, DevUser, Resident, utcnow
from records_api.runtime import build_dev_identity, build_vault, dev_password_seed, open_database
from records_api.settings import Settings
from records_api.vault import ResidentVault

# Each case type's office as the city's own page for it names it (ingest/sample_kb/documents: building
# renovation permits, rental assistance, business licences, noise complaints, residential parking permits,
# bulky item pickup): "name, address", both as the page writes them.
OFFICES = {
    CaseType.PERMIT: "Building Permits, City Hall room 302, 100 Main Street",
    CaseType.BENEFIT: "Housing Assistance Office, City Hall Annex room 12, 110 Main Street",
    CaseType.LICENCE: "Business Licensing, City Hall room 108, 100 Main Street",
    CaseType.COMPLAINT: "Bylaw Enforcement, City Hall room 115, 100 Main Street",
    CaseType.PARKING: "Parking Services, City Hall room 104, 100 Main Street",
    CaseType.WASTE: "Solid Waste Services, 45 Foundry Road",
}

PATHS = (
    (CaseStatus.RECEIVED,),
    (CaseStatus.RECEIVED, CaseStatus.IN_REVIEW),
    (CaseStatus.RECEIVED, CaseStatus.IN_REVIEW, CaseStatus.AWAITING_INFORMATION),
    (CaseStatus.RECEIVED, CaseStatus.IN_REVIEW, CaseStatus.SCHEDULED),
    (CaseStatus.RECEIVED, CaseStatus.IN_REVIEW, CaseStatus.APPROVED),
    (CaseStatus.RECEIVED, CaseStatus.IN_REVIEW, CaseStatus.REJECTED),
    (CaseStatus.RECEIVED, CaseStatus.IN_REVIEW, CaseStatus.APPROVED, CaseStatus.CLOSED),
)

NOTES = {
    CaseStatus.RECEIVED: "Application received and registered.",
    CaseStatus.IN_REVIEW: "A caseworker is reviewing the application.",
    CaseStatus.AWAITING_INFORMATION: "Supporting documents requested from the applicant.",
    CaseStatus.APPROVED: "Application approved.",
    CaseStatus.REJECTED: "Application rejected; the decision letter explains why.",
    CaseStatus.CLOSED: "Case closed.",
}

NEXT_STEPS = {
    CaseStatus.RECEIVED: "A caseworker will be assigned within 5 working days.",
    CaseStatus.IN_REVIEW: "Expect a decision or a request for documents within 15 working days.",
    CaseStatus.AWAITING_INFORMATION: "Upload the requested documents through the city portal.",
    CaseStatus.APPROVED: "Your decision letter has been posted; no action needed.",
    CaseStatus.REJECTED: "The decision letter explains why; the office named on this case answers questions.",
    CaseStatus.CLOSED: "No further action.",
}

# What is booked once a case is scheduled, per type, as its page describes it: (the history's note, the
# next step). Only building permits and business premises have inspections.
SCHEDULED: dict[CaseType, tuple[str, str]] = {
    CaseType.PERMIT: (
        "Inspection booked.",
        "Be present for the inspection on the booked date; do not cover any work until it has passed.",
    ),
    CaseType.BENEFIT: (
        "Monthly payments to your landlord scheduled.",
        "Payments are made directly to your landlord on the first day of each month; report changes in "
        "income or household size within 30 days.",
    ),
    CaseType.LICENCE: (
        "Fire safety inspection booked.",
        "Be present for the fire safety inspection of your premises on the booked date.",
    ),
    CaseType.COMPLAINT: (
        "Bylaw officer assigned.",
        "Keep a noise log for 14 days using the form on the website; an officer will attend or contact "
        "the person responsible.",
    ),
    CaseType.PARKING: (
        "Permit start date set.",
        "Your permit is digital and linked to your licence plate, so there is no sticker to display.",
    ),
    CaseType.WASTE: (
        "Bulky item pickup booked.",
        "Set your items out at the curb by 7:00 a.m. on your pickup day, not before 6:00 p.m. the evening "
        "before.",
    ),
}

# A refusal that its page says can be appealed, and how.
REJECTED_STEPS = {
    CaseType.PERMIT: "You may appeal to the Building Code Appeals Board within 30 days.",
    CaseType.BENEFIT: "You may ask the Housing Assistance Office for a review within 30 days.",
}


def note(case_type: CaseType, status: CaseStatus) -> str:
    """The history note of a seeded status change."""
    return SCHEDULED[case_type][0] if status == CaseStatus.SCHEDULED else NOTES[status]


def next_step(case_type: CaseType, status: CaseStatus) -> str:
    """What a seeded case of `case_type` in `status` asks of the resident, as the type's page says."""
    if status == CaseStatus.SCHEDULED:
        return SCHEDULED[case_type][1]
    if status == CaseStatus.REJECTED:
        return REJECTED_STEPS.get(case_type, NEXT_STEPS[status])
    return NEXT_STEPS[status]


AGENT_SUBJECT = "dev-agent-1"
SUPERVISOR_SUBJECT = "dev-supervisor-1"
# An editor works on the bot's knowledge base (staff sign-in, docs/staff.md): a dev login, no staff
# account here, since the records service serves no editors (its tokens get a 403).
EDITOR_SUBJECT = "dev-editor-1"


@dataclass(frozen=True)
class SeedReport:
    residents: int
    cases: int
    dev_users: int
    skipped: bool


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: Role
    case_references: list[str]
    case_types: list[str] = field(default_factory=list)  # the type of each case, in the same order


def resident_username(index: int) -> str:
    return f"resident-{index:03d}"


def fake_resident(fake: Faker, taken_ids: set[str]) -> ResidentRecord:
    first, last = fake.first_name(), fake.last_name()
    national_id = fake.ssn()
    while national_id in taken_ids:
        national_id = fake.ssn()
    taken_ids.add(national_id)
    return ResidentRecord(
        full_name=f"{first} {last}",
        national_id=national_id,
        date_of_birth=fake.date_of_birth(minimum_age=18, maximum_age=90),
        phone=fake.numerify("+1-###-###-####"),
        email=f"{first}.{last}{fake.random_int(1, 99)}@{fake.free_email_domain()}".lower(),
        address=Address(street=fake.street_address(), city=fake.city(), postcode=fake.zipcode()),
    )


def fake_history(rng: random.Random, now: datetime, case_type: CaseType) -> list[StatusStep]:
    path = rng.choice(PATHS)
    at = now - timedelta(days=rng.randint(20, 150), hours=rng.randint(0, 23))
    steps = []
    for status in path:
        steps.append(StatusStep(status, at.replace(microsecond=0), note(case_type, status)))
        at += timedelta(days=rng.randint(1, 18), hours=rng.randint(0, 8))
    return steps


def seed_demo(
    sessions: sessionmaker[Session],
    vault: ResidentVault,
    residents: int,
    seed: int,
    dev_identity: DevIdentityProvider | None = None,
    password_seed: bytes | None = None,
) -> SeedReport:
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    now = utcnow()
    with sessions.begin() as session:
        if session.scalar(select(func.count(Resident.id))):
            return SeedReport(residents=0, cases=0, dev_users=0, skipped=True)
        taken: set[str] = set()
        cases = dev_users = 0
        for index in range(1, residents + 1):
            subject = f"dev-{resident_username(index)}"
            owner = add_resident(session, vault, fake_resident(fake, taken), subject)
            for _ in range(rng.randint(1, 3)):
                case_type = rng.choice(list(CaseType))
                history = fake_history(rng, now, case_type)
                add_case(
                    session,
                    owner,
                    case_type,
                    history,
                    OFFICES[case_type],
                    next_step(case_type, history[-1].status),
                )
                cases += 1
        add_staff(session, AGENT_SUBJECT, fake.name(), Role.AGENT)
        add_staff(session, SUPERVISOR_SUBJECT, fake.name(), Role.SUPERVISOR)
        if dev_identity is not None and password_seed is not None:
            accounts = [
                (resident_username(i), Role.RESIDENT, f"dev-{resident_username(i)}")
                for i in range(1, residents + 1)
            ]
            accounts += [("agent", Role.AGENT, AGENT_SUBJECT)]
            accounts += [("editor", Role.EDITOR, EDITOR_SUBJECT)]
            accounts += [("supervisor", Role.SUPERVISOR, SUPERVISOR_SUBJECT)]
            for username, role, subject in accounts:
                password = demo_password(password_seed, username)
                add_dev_user(session, username, dev_identity.hash_password(password), role, subject)
                dev_users += 1
    return SeedReport(residents=residents, cases=cases, dev_users=dev_users, skipped=False)


def demo_users(sessions: sessionmaker[Session], password_seed: bytes) -> list[DemoUser]:
    with sessions() as session:
        users = session.scalars(select(DevUser).order_by(DevUser.id)).all()
        refs: dict[str, list[str]] = {}
        types: dict[str, list[str]] = {}
        rows = session.execute(
            select(Resident.subject, Case.reference, Case.case_type)
            .join(Case, Case.owner_id == Resident.id)
            .order_by(Case.id)
        )
        for subject, reference, case_type in rows:
            refs.setdefault(subject, []).append(reference)
            types.setdefault(subject, []).append(str(case_type))
        return [
            DemoUser(
                username=user.username,
                password=demo_password(password_seed, user.username),
                role=Role(user.role),
                case_references=refs.get(user.subject, []),
                case_types=types.get(user.subject, []),
            )
            for user in users
        ]


def seed_from_settings(settings: Settings, residents: int, seed: int) -> SeedReport:
    """Migrate, then seed the configured database (dev accounts too when the dev IdP is on)."""
    database = open_database(settings, migrate_schema=True)
    try:
        dev_identity = build_dev_identity(settings)
        password_seed = dev_password_seed(settings) if dev_identity else None
        return seed_demo(
            database.sessions, build_vault(settings), residents, seed, dev_identity, password_seed
        )
    finally:
        database.close()


def demo_users_from_settings(settings: Settings) -> list[DemoUser]:
    database = open_database(settings, migrate_schema=True)
    try:
        return demo_users(database.sessions, dev_password_seed(settings))
    finally:
        database.close()
