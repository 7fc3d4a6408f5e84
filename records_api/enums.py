"""The closed vocabularies of the records service."""

from __future__ import annotations

from enum import StrEnum

from trust.tokens import Role

# Every role a token may carry is `trust.tokens.Role` (the dev identity provider issues all of them);
# the records service serves these: a token with any other (`editor`) is refused with a 403.
SERVED_ROLES = frozenset({Role.RESIDENT, Role.AGENT, Role.SUPERVISOR})
STAFF_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR})

__all__ = [
    "SERVED_ROLES",
    "STAFF_ROLES",
    "AuditAction",
    "AuditOutcome",
    "CaseStatus",
    "CaseType",
    "Role",
    "UnmaskCategory",
]


class CaseType(StrEnum):
    PERMIT = "permit"
    BENEFIT = "benefit"
    LICENCE = "licence"
    COMPLAINT = "complaint"
    PARKING = "parking"
    WASTE = "waste"


class CaseStatus(StrEnum):
    RECEIVED = "received"
    IN_REVIEW = "in_review"
    AWAITING_INFORMATION = "awaiting_information"
    SCHEDULED = "scheduled"
    APPROVED = "approved"
    REJECTED = "rejected"
    CLOSED = "closed"


class AuditAction(StrEnum):
    LIST_CASES = "list_cases"
    READ_CASE = "read_case"
    UNMASK_CASE = "unmask_case"
    ANOMALY = "anomaly_flagged"


class AuditOutcome(StrEnum):
    ALLOWED = "allowed"
    NOT_FOUND = "not_found"
    NOT_OWNER = "denied_not_owner"
    MALFORMED = "denied_malformed"
    FORBIDDEN = "denied_role"
    INVALID_REASON = "denied_invalid_reason"
    RATE_LIMITED = "denied_rate_limited"
    FLAGGED = "flagged"


class UnmaskCategory(StrEnum):
    """Why a supervisor needs a resident's raw data: the case-related purposes the city allows."""

    RESIDENT_REQUEST = "resident_request"
    CASE_PROCESSING = "case_processing"
    LEGAL_OBLIGATION = "legal_obligation"
    FRAUD_INVESTIGATION = "fraud_investigation"
    COMPLAINT_HANDLING = "complaint_handling"
    AUDIT = "audit"
