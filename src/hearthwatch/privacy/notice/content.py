"""What the privacy notice says, generated from the data map, and which changes are material.

`generate` builds the notice as one JSON document from the data map (every personal field
and object, with category, purpose, legal basis and retention), the consent purposes, the
cookies, the recipients below, the storage region, and (`notice_contact`) who answers for
the data, the person's rights and how to use them, and where to complain.
`material_changes` lists what in a new document a person must agree to again: a new
purpose, a new recipient, longer keeping, another region (P48).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from hearthwatch.privacy.audit.receipts import canonical_json
from hearthwatch.privacy.consent import service as consent
from hearthwatch.privacy.consent.cookies import COOKIES
from hearthwatch.privacy.datamap import service as datamap
from hearthwatch.privacy.datamap.uses import PROCESSING_USES
from hearthwatch.privacy.notice import contact as notice_contact
from hearthwatch.settings import Settings


@dataclass(frozen=True)
class Recipient:
    """Someone outside Hearthwatch who receives personal data, when the settings use them."""

    name: str
    role: str
    data: str
    applies: Callable[[Settings], bool]
    location: Callable[[Settings], str]


RECIPIENTS: tuple[Recipient, ...] = (
    Recipient(
        "Mail relay",
        "delivers the mail Hearthwatch sends (a processor)",
        "e-mail address and the content of each mail",
        lambda s: s.mail_backend == "smtp",
        lambda s: s.smtp_host,
    ),
    Recipient(
        "Object store (S3)",
        "keeps recordings and exports, sealed so that it cannot read them (a processor)",
        "encrypted video and export files",
        lambda s: s.blob_backend == "s3",
        lambda s: s.s3_endpoint_url or f"Amazon S3 {s.s3_region}",
    ),
)


def recipients() -> tuple[Recipient, ...]:
    return RECIPIENTS


# What the notice says when the operator has not named the region (HEARTHWATCH_DATA_REGION).
REGION_NOT_NAMED = (
    "not named by the operator: the server that runs this service and the storage it uses"
)


def storage_region(settings: Settings) -> str:
    """The region the notice names: the operator's setting, or plainly that there is none."""
    return settings.data_region or REGION_NOT_NAMED


def generate(settings: Settings) -> dict[str, Any]:
    """The notice as a JSON document, from the data map and the settings."""
    return {
        "title": "Hearthwatch privacy notice",
        "service": settings.public_url,
        "storage_region": storage_region(settings),
        "personal_data": [_field(f) for f in datamap.PERSONAL_FIELDS],
        "stored_objects": [_object(o) for o in stored_objects(settings)],
        "consent_purposes": [_purpose(p) for p in consent.purposes()],
        "recipients": [
            {"name": r.name, "role": r.role, "data": r.data, "location": r.location(settings)}
            for r in recipients()
            if r.applies(settings)
        ],
        "cookies": [asdict(c) for c in COOKIES],
        "uses": _uses(),
        "controller": notice_contact.controller(settings),
        "your_rights": notice_contact.rights(),
        "complaints": notice_contact.complaints(settings),
        "not_done": [
            "Personal data is not sold.",
            "Staff do not watch your video; it is disclosed only when the law compels it.",
            "Statistics leave only as totals about no one in particular.",
        ],
    }


def stored_objects(settings: Settings) -> list[datamap.PersonalObject]:
    """Personal data outside the tables: blob objects, and the server log when one is kept."""
    days = settings.server_log_days
    return [*datamap.PERSONAL_OBJECTS, *([datamap.server_log(days)] if days else [])]


def _field(field: datamap.PersonalField) -> dict[str, Any]:
    return {
        "key": field.key,
        "description": field.description,
        "category": field.category.value,
        "purpose": field.purpose,
        "legal_basis": field.legal_basis.value,
        "retention": field.retention.description,
        "retention_days": field.retention.days,
        "exported": field.exported,
        "erased": field.erased,
    }


def _object(obj: datamap.PersonalObject) -> dict[str, Any]:
    return {
        "key": f"object:{obj.kind}",
        "description": obj.description,
        "category": obj.category.value,
        "purpose": obj.purpose,
        "legal_basis": obj.legal_basis.value,
        "retention": obj.retention.description,
        "retention_days": obj.retention.days,
        "encrypted": obj.encrypted,
    }


def _uses() -> list[dict[str, Any]]:
    described = {field.key: field.description for field in datamap.PERSONAL_FIELDS}
    return [
        {
            "name": use.name,
            "title": use.title,
            "legal_basis": str(use.legal_basis),
            "data": [described[key] for key in use.data],
            "you_can": "object to it or restrict it" if use.objectable else "restrict it",
        }
        for use in PROCESSING_USES
    ]


def _purpose(purpose: consent.Purpose) -> dict[str, Any]:
    return {
        "key": purpose.key,
        "title": purpose.title,
        "description": purpose.description,
        "legal_basis": purpose.legal_basis.value,
        "introduced_in": purpose.introduced_in,
    }


def digest(document: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(document)).hexdigest()


def material_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What in `new` a person must agree to: new purposes, recipients, longer keeping, region."""
    changes = [f"New purpose: {p}" for p in sorted(_purposes(new) - _purposes(old))]
    old_names = {_recipient_name(r) for r in old.get("recipients", [])}
    changes += [
        f"New recipient: {_recipient_name(r)}"
        for r in new.get("recipients", [])
        if _recipient_name(r) not in old_names
    ]
    if "uses" in old:  # a notice from before uses were listed already had them all
        known = {use["name"] for use in old["uses"]}
        changes += [f"New use: {u['title']}" for u in new.get("uses", []) if u["name"] not in known]
    changes += _longer_retention(old, new)
    if new.get("storage_region") != old.get("storage_region"):
        changes.append(
            f"Data now stored in: {new.get('storage_region')} (was {old.get('storage_region')})"
        )
    return changes


def _purposes(document: dict[str, Any]) -> set[str]:
    items = [*document.get("personal_data", []), *document.get("stored_objects", [])]
    return {str(item["purpose"]) for item in items} | {
        f"{p['title']} (with your consent)" for p in document.get("consent_purposes", [])
    }


def _recipient_name(recipient: dict[str, Any]) -> str:
    return f"{recipient['name']} ({recipient['location']})"


def _longer_retention(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    def kept(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
        items = [*document.get("personal_data", []), *document.get("stored_objects", [])]
        return {str(item["key"]): item for item in items}

    before, changes = kept(old), []
    for key, item in kept(new).items():
        was = before.get(key)
        if was is None:
            continue
        old_days, new_days = was.get("retention_days"), item.get("retention_days")
        if old_days is not None and (new_days is None or new_days > old_days):
            changes.append(
                f"Kept longer: {item['description']} ({was['retention']} → {item['retention']})"
            )
    return changes
