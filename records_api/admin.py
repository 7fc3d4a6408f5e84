"""Administrative writes: residents, cases, staff and dev accounts. Used by `seed`, tests and
benchmarks; the HTTP API itself is read-only (plus the audited unmask)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from records_api.enums import STAFF_ROLES, CaseStatus, CaseType, Role
from records_api.masking import ResidentRecord
from records_api.models import Case, CaseStatusEvent, DevUser, Resident, StaffAccount
from records_api.references import new_reference
from records_api.vault import ResidentVault


@dataclass(frozen=True)
class StatusStep:
    status: CaseStatus
    at: datetime
    note: str | None = None


def add_resident(session: Session, vault: ResidentVault, record: ResidentRecord, subject: str) -> Resident:
    row = vault.seal(record, subject)
    session.add(row)
    session.flush()
    return row


def add_case(
    session: Session,
    owner: Resident,
    case_type: CaseType,
    history: Sequence[StatusStep],
    office: str,
    next_step: str,
) -> Case:
    if not history:
        raise ValueError("a case needs at least one status")
    steps = sorted(history, key=lambda step: step.at)
    case = Case(
        reference=new_reference(),
        case_type=case_type.value,
        status=steps[-1].status.value,
        office=office,
        next_step=next_step,
        owner_id=owner.id,
        created_at=steps[0].at,
        updated_at=steps[-1].at,
    )
    session.add(case)
    session.flush()
    for step in steps:
        session.add(CaseStatusEvent(case_id=case.id, status=step.status.value, at=step.at, note=step.note))
    session.flush()
    return case


def add_staff(session: Session, subject: str, display_name: str, role: Role) -> StaffAccount:
    if role not in STAFF_ROLES:
        raise ValueError(f"{role} is not a staff role")
    account = StaffAccount(subject=subject, display_name=display_name, role=role.value, active=True)
    session.add(account)
    session.flush()
    return account


def add_dev_user(session: Session, username: str, password_hash: str, role: Role, subject: str) -> DevUser:
    user = DevUser(username=username, password_hash=password_hash, role=role.value, subject=subject)
    session.add(user)
    session.flush()
    return user
