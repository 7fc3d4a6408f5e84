"""API shapes (pydantic), separate from the ORM rows and from the domain dataclasses.

Timestamps are ISO 8601 in UTC to the second (`2025-03-04T09:15:00Z`); dates of birth in the
unmasked view are ISO dates. Every masked resident field is a string.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from records_api.cases import CaseFacts, MaskedCase, UnmaskedCase
from records_api.enums import CaseStatus, CaseType, Role, UnmaskCategory


def _iso_seconds(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


UTCSeconds = Annotated[datetime, PlainSerializer(_iso_seconds, return_type=str)]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class StatusChangeOut(_Out):
    status: CaseStatus
    at: UTCSeconds
    note: str | None


class MaskedResidentOut(_Out):
    full_name: str = Field(description="Initials only, e.g. `J. M. D.`")
    national_id: str = Field(description="`****` and at most the last 4 characters")
    date_of_birth: str = Field(description="Year of birth only, e.g. `1984`")
    phone: str = Field(description="`****` and at most the last 4 digits")
    email: str = Field(description="First letter and domain, e.g. `j***@example.org`")
    address: str = Field(description="City and postcode only, e.g. `Springfield, 62704`")


class AddressOut(_Out):
    street: str
    city: str
    postcode: str


class UnmaskedResidentOut(_Out):
    full_name: str
    national_id: str
    date_of_birth: date
    phone: str
    email: str
    address: AddressOut


class _CaseFields(_Out):
    reference: str = Field(description="Public reference, `MB-XXXX-XXXX-XXXX-X`")
    case_type: CaseType
    status: CaseStatus
    status_history: list[StatusChangeOut] = Field(description="Oldest first")
    office: str
    next_step: str
    created_at: UTCSeconds
    updated_at: UTCSeconds


def _case_fields(facts: CaseFacts) -> dict[str, object]:
    return {
        "reference": facts.reference,
        "case_type": CaseType(facts.case_type),
        "status": CaseStatus(facts.status),
        "status_history": [
            StatusChangeOut(status=CaseStatus(s.status), at=s.at, note=s.note) for s in facts.status_history
        ],
        "office": facts.office,
        "next_step": facts.next_step,
        "created_at": facts.created_at,
        "updated_at": facts.updated_at,
    }


class CaseOut(_CaseFields):
    masked: Literal[True] = True
    resident: MaskedResidentOut

    @classmethod
    def of(cls, view: MaskedCase) -> CaseOut:
        r = view.resident
        resident = MaskedResidentOut(
            full_name=r.full_name,
            national_id=r.national_id,
            date_of_birth=r.date_of_birth,
            phone=r.phone,
            email=r.email,
            address=r.address,
        )
        return cls.model_validate({**_case_fields(view.case), "resident": resident})


class CaseListOut(_Out):
    cases: list[CaseOut]


class UnmaskReceiptOut(_Out):
    category: UnmaskCategory
    reason: str
    audit_seq: int = Field(description="Sequence number of the audit row recording this unmask")


class UnmaskedCaseOut(_CaseFields):
    masked: Literal[False] = False
    resident: UnmaskedResidentOut
    unmask: UnmaskReceiptOut

    @classmethod
    def of(cls, view: UnmaskedCase) -> UnmaskedCaseOut:
        r = view.resident
        resident = UnmaskedResidentOut(
            full_name=r.full_name,
            national_id=r.national_id,
            date_of_birth=r.date_of_birth,
            phone=r.phone,
            email=r.email,
            address=AddressOut(street=r.address.street, city=r.address.city, postcode=r.address.postcode),
        )
        receipt = UnmaskReceiptOut(category=view.category, reason=view.reason, audit_seq=view.audit_seq)
        return cls.model_validate({**_case_fields(view.case), "resident": resident, "unmask": receipt})


class UnmaskIn(BaseModel):
    category: UnmaskCategory = Field(description="Why the raw data is needed, from a closed list")
    reason: str = Field(
        max_length=1000,
        description="Which request this serves: at least 20 characters (setting), three words, and "
        "the ticket, request or case number (a token with three digits, or a case reference)",
        examples=["Resident called (ticket INC-20931) to correct the address on file."],
    )


class HealthOut(_Out):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unavailable"]
    rate_limit_storage: Literal["redis", "memory"]
    rate_limit_ok: bool


class ErrorOut(_Out):
    error: str = Field(description="Stable machine-readable code, e.g. `not_found`")
    message: str = Field(description="Human-readable, safe to show")


class CredentialsIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenOut(_Out):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (a token type, not a secret)
    expires_in: int
    role: Role


class JwkOut(_Out):
    kty: str
    kid: str
    alg: str
    use: str
    n: str
    e: str


class JwksOut(_Out):
    keys: list[JwkOut]
