"""The case desk: who may read which case, what they see, and the audit row for every decision.

Each read, denial and unmask writes its audit row in the same transaction as the read. Denials are
committed before the error is raised, so a refused request still leaves its trace; refusals during
a lock-out are coalesced (`refusals.py`). A token that verifies but carries a role this service
does not serve (`editor`) is refused and audited too (`deny_role_not_served`). An audit row names a
case by its canonical reference, or a marker and a hash when the input is not one
(`references.audited_reference`): never by the caller's own text. A resident asking for another
resident's case is told exactly what they would be told for a case that does not exist (and it
counts as a failed lookup alike); only the audit trail tells the two apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload, sessionmaker

from records_api.audit import AuditEntry, AuditLog
from records_api.enums import STAFF_ROLES, AuditAction, AuditOutcome, Role, UnmaskCategory
from records_api.errors import (
    CaseNotFoundError,
    InvalidRequestError,
    PermissionDeniedError,
    TooManyAttemptsError,
)
from records_api.masking import FIELDS, MaskedResident, MaskingPolicy, ResidentRecord
from records_api.models import Case, Resident, StaffAccount
from records_api.references import audited_reference, parse_reference
from records_api.refusals import RefusalLedger
from records_api.throttle import FailureThrottle
from records_api.tokens import Principal
from records_api.unmask_reasons import audited_purpose, clean_reason, rule_text
from records_api.vault import ResidentVault

STAFF_RANK = {Role.AGENT.value: 1, Role.SUPERVISOR.value: 2}


@dataclass(frozen=True)
class StatusChange:
    status: str
    at: datetime
    note: str | None


@dataclass(frozen=True)
class CaseFacts:
    reference: str
    case_type: str
    status: str
    status_history: tuple[StatusChange, ...]
    office: str
    next_step: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class MaskedCase:
    case: CaseFacts
    resident: MaskedResident


@dataclass(frozen=True)
class UnmaskedCase:
    case: CaseFacts
    resident: ResidentRecord
    category: UnmaskCategory
    reason: str
    audit_seq: int


def _facts(case: Case) -> CaseFacts:
    return CaseFacts(
        reference=case.reference,
        case_type=case.case_type,
        status=case.status,
        status_history=tuple(StatusChange(e.status, e.at, e.note) for e in case.history),
        office=case.office,
        next_step=case.next_step,
        created_at=case.created_at,
        updated_at=case.updated_at,
    )


class CaseDesk:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        vault: ResidentVault,
        policy: MaskingPolicy,
        audit: AuditLog,
        throttle: FailureThrottle,
        refusals: RefusalLedger,
        unmask_reason_min_length: int,
    ) -> None:
        self._sessions = sessions
        self._vault = vault
        self._policy = policy
        self._audit = audit
        self._throttle = throttle
        self._refusals = refusals
        self._reason_min = unmask_reason_min_length

    @staticmethod
    def _entry(
        who: Principal,
        action: AuditAction,
        outcome: AuditOutcome,
        *,
        purpose: str,
        case_reference: str | None = None,
        resident_id: int | None = None,
        fields: tuple[str, ...] = (),
    ) -> AuditEntry:
        return AuditEntry(
            actor_subject=who.subject,
            actor_role=who.role.value,
            action=action,
            outcome=outcome,
            client_address=who.client_address,
            via_service=who.via_service,
            purpose=purpose,
            case_reference=audited_reference(case_reference) if case_reference is not None else None,
            resident_id=resident_id,
            fields=fields,
        )

    @staticmethod
    def _purpose(action: AuditAction) -> str:
        return "status lookup" if action != AuditAction.UNMASK_CASE else "unmask"

    def _deny(self, who: Principal, action: AuditAction, outcome: AuditOutcome, ref: str | None) -> None:
        with self._sessions.begin() as session:
            entry = self._entry(who, action, outcome, case_reference=ref, purpose=self._purpose(action))
            self._audit.append(session, entry)

    def deny_role_not_served(
        self,
        subject: str,
        role: str,
        client_address: str,
        via_service: str | None,
        action: AuditAction,
        raw_reference: str | None,
    ) -> None:
        """Audit the refusal of a verified token whose role is not served here (`editor`): the caller
        raises the 403 after."""
        entry = AuditEntry(
            actor_subject=subject,
            actor_role=role,
            action=action,
            outcome=AuditOutcome.FORBIDDEN,
            client_address=client_address,
            via_service=via_service,
            purpose=self._purpose(action),
            case_reference=audited_reference(raw_reference) if raw_reference is not None else None,
        )
        with self._sessions.begin() as session:
            self._audit.append(session, entry)

    def _staff_allowed(self, session: Session, who: Principal, needed: Role) -> bool:
        """An active staff account whose role covers the token's role, which covers `needed`."""
        if who.role not in STAFF_ROLES:
            return False
        held = session.scalar(
            select(StaffAccount.role).where(StaffAccount.subject == who.subject, StaffAccount.active)
        )
        if held not in STAFF_RANK:
            return False
        return STAFF_RANK[held] >= STAFF_RANK[who.role] >= STAFF_RANK[needed]

    def _masked_fields(self, view: str) -> tuple[str, ...]:
        return ("case", *(f"resident.{f}:{self._policy.rule(view, f)}" for f in FIELDS))

    def _check_throttle(self, who: Principal, action: AuditAction, raw_reference: str) -> None:
        try:
            self._throttle.check(who.subject, who.client_address)
        except TooManyAttemptsError:
            outcome, purpose = AuditOutcome.RATE_LIMITED, self._purpose(action)
            entry = self._entry(who, action, outcome, case_reference=raw_reference, purpose=purpose)
            self._refusals.refused(entry)
            raise

    def _find(
        self, session: Session, who: Principal, reference: str | None
    ) -> tuple[Case | None, AuditOutcome]:
        if reference is None:
            return None, AuditOutcome.MALFORMED
        case = session.scalars(
            select(Case)
            .where(Case.reference == reference)
            .options(joinedload(Case.owner), selectinload(Case.history))
        ).first()
        if case is None:
            return None, AuditOutcome.NOT_FOUND
        if who.role == Role.RESIDENT and case.owner.subject != who.subject:
            return None, AuditOutcome.NOT_OWNER
        return case, AuditOutcome.ALLOWED

    def _not_found(self, who: Principal) -> CaseNotFoundError:
        self._throttle.record_failure(who.subject, who.client_address)
        return CaseNotFoundError("no such case for this principal")

    def list_own_cases(self, who: Principal) -> list[MaskedCase]:
        if who.role != Role.RESIDENT:
            self._deny(who, AuditAction.LIST_CASES, AuditOutcome.FORBIDDEN, None)
            raise PermissionDeniedError("only residents have their own cases")
        with self._sessions.begin() as session:
            cases = session.scalars(
                select(Case)
                .join(Case.owner)
                .where(Resident.subject == who.subject)
                .options(joinedload(Case.owner), selectinload(Case.history))
                .order_by(Case.updated_at.desc(), Case.id)
            ).all()
            views = [self._mask(case, who.role.value) for case in cases]
            fields = self._masked_fields(who.role.value)
            action, allowed, purpose = (
                AuditAction.LIST_CASES,
                AuditOutcome.ALLOWED,
                "list own cases",
            )
            if not cases:
                self._audit.append(session, self._entry(who, action, allowed, purpose=purpose))
            for case in cases:
                entry = self._entry(
                    who,
                    action,
                    allowed,
                    case_reference=case.reference,
                    resident_id=case.owner_id,
                    fields=fields,
                    purpose=purpose,
                )
                self._audit.append(session, entry)
        return views

    def _mask(self, case: Case, view: str) -> MaskedCase:
        return MaskedCase(_facts(case), self._policy.mask(view, self._vault.open(case.owner)))

    def read_own_case(self, who: Principal, raw_reference: str) -> MaskedCase:
        """One of the caller's own cases: residents only. The bot's resident chat reads through this,
        so a staff token pasted into the chat never shows someone else's case as "yours"."""
        if who.role != Role.RESIDENT:
            self._deny(who, AuditAction.READ_CASE, AuditOutcome.FORBIDDEN, raw_reference)
            raise PermissionDeniedError("only residents have their own cases")
        return self.read_case(who, raw_reference)

    def read_case(self, who: Principal, raw_reference: str) -> MaskedCase:
        action = AuditAction.READ_CASE
        self._check_throttle(who, action, raw_reference)
        reference = parse_reference(raw_reference)
        with self._sessions.begin() as session:
            if who.role in STAFF_ROLES and not self._staff_allowed(session, who, Role.AGENT):
                outcome, case = AuditOutcome.FORBIDDEN, None
            else:
                case, outcome = self._find(session, who, reference)
            view = self._mask(case, who.role.value) if case else None
            entry = self._entry(
                who,
                action,
                outcome,
                case_reference=raw_reference,
                resident_id=case.owner_id if case else None,
                fields=self._masked_fields(who.role.value) if case else (),
                purpose="status lookup",
            )
            self._audit.append(session, entry)
            if case is not None and who.role in STAFF_ROLES:
                self._audit.record_staff_read(session, entry)
        if outcome == AuditOutcome.FORBIDDEN:
            raise PermissionDeniedError("staff account missing, inactive or of another role")
        if view is None:
            raise self._not_found(who)
        return view

    def authorise_unmask(self, who: Principal, raw_reference: str) -> None:
        """Refuse (403, audited) anyone but an active supervisor before the request's body is looked at:
        what an unmask request must contain is no business of anyone who may not send one."""
        self._check_unmask_role(who, raw_reference)
        with self._sessions.begin() as session:
            allowed = self._staff_allowed(session, who, Role.SUPERVISOR)
        if not allowed:
            self._deny(who, AuditAction.UNMASK_CASE, AuditOutcome.FORBIDDEN, raw_reference)
            raise PermissionDeniedError("no active supervisor account for this subject")

    def _check_unmask_role(self, who: Principal, raw_reference: str) -> None:
        if who.role != Role.SUPERVISOR or not self._policy.may_unmask():
            self._deny(who, AuditAction.UNMASK_CASE, AuditOutcome.FORBIDDEN, raw_reference)
            raise PermissionDeniedError("only supervisors may unmask")

    def unmask_case(
        self, who: Principal, raw_reference: str, category: UnmaskCategory, reason: str
    ) -> UnmaskedCase:
        action = AuditAction.UNMASK_CASE
        self._check_unmask_role(who, raw_reference)
        text = clean_reason(reason, self._reason_min)
        if text is None:
            self._deny(who, action, AuditOutcome.INVALID_REASON, raw_reference)
            raise InvalidRequestError(rule_text(self._reason_min))
        self._check_throttle(who, action, raw_reference)
        reference = parse_reference(raw_reference)
        with self._sessions.begin() as session:
            if not self._staff_allowed(session, who, Role.SUPERVISOR):
                outcome, case = AuditOutcome.FORBIDDEN, None
            else:
                case, outcome = self._find(session, who, reference)
            record = self._vault.open(case.owner) if case else None
            entry = self._entry(
                who,
                action,
                outcome,
                case_reference=raw_reference,
                resident_id=case.owner_id if case else None,
                fields=("case", *(f"resident.{f}:raw" for f in FIELDS)) if case else (),
                purpose=audited_purpose(category, text),
            )
            row = self._audit.append(session, entry)
            if case is not None:
                self._audit.record_staff_read(session, entry)
        if outcome == AuditOutcome.FORBIDDEN:
            raise PermissionDeniedError("no active supervisor account for this subject")
        if case is None or record is None:
            raise self._not_found(who)
        return UnmaskedCase(_facts(case), record, category, text, row.seq)
