"""Residents in and out of their encrypted rows."""

from __future__ import annotations

import json
import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from records_api.crypto import FieldCipher, LookupHasher
from records_api.masking import Address, ResidentRecord
from records_api.models import Resident


class ResidentVault:
    def __init__(self, cipher: FieldCipher, hasher: LookupHasher) -> None:
        self._cipher = cipher
        self._hasher = hasher

    @staticmethod
    def _context(field: str, resident_uuid: str) -> str:
        return f"resident.{field}:{resident_uuid}"

    def seal(self, record: ResidentRecord, subject: str) -> Resident:
        """A new, not yet added, row holding `record` encrypted."""
        rid = str(uuid.uuid4())

        def enc(field: str, value: str) -> bytes:
            return self._cipher.encrypt(value, self._context(field, rid))

        address = json.dumps(
            {
                "street": record.address.street,
                "city": record.address.city,
                "postcode": record.address.postcode,
            },
            sort_keys=True,
        )
        return Resident(
            uuid=rid,
            subject=subject,
            full_name_enc=enc("full_name", record.full_name),
            national_id_enc=enc("national_id", record.national_id),
            national_id_hmac=self._hasher.national_id(record.national_id),
            date_of_birth_enc=enc("date_of_birth", record.date_of_birth.isoformat()),
            phone_enc=enc("phone", record.phone),
            email_enc=enc("email", record.email),
            email_hmac=self._hasher.email(record.email),
            address_enc=enc("address", address),
        )

    def open(self, row: Resident) -> ResidentRecord:
        def dec(field: str, blob: bytes) -> str:
            return self._cipher.decrypt(blob, self._context(field, row.uuid))

        address = json.loads(dec("address", row.address_enc))
        return ResidentRecord(
            full_name=dec("full_name", row.full_name_enc),
            national_id=dec("national_id", row.national_id_enc),
            date_of_birth=date.fromisoformat(dec("date_of_birth", row.date_of_birth_enc)),
            phone=dec("phone", row.phone_enc),
            email=dec("email", row.email_enc),
            address=Address(
                street=str(address["street"]),
                city=str(address["city"]),
                postcode=str(address["postcode"]),
            ),
        )

    def find_by_national_id(self, session: Session, national_id: str) -> Resident | None:
        digest = self._hasher.national_id(national_id)
        return session.scalars(select(Resident).where(Resident.national_id_hmac == digest)).first()
