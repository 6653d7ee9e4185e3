"""The mails of erasure: the confirmation code, and the signed receipt of a closed account."""

from __future__ import annotations

import json
from typing import Any

from hearthwatch.mail.messages import OutgoingMail


def erasure_code(to: str, code: str, minutes: int) -> OutgoingMail:
    return OutgoingMail(
        to=to,
        kind="privacy.erasure_code",
        subject=f"Your Hearthwatch account deletion code: {code}",
        body=(
            "Someone asked to delete this Hearthwatch account and all its data.\n\n"
            f"Your code is {code}. It expires in {minutes} minutes.\n"
            "If it was not you, ignore this mail and change your password: "
            "nothing is deleted without this code and your password.\n"
        ),
    )


def receipt_mail(to: str, receipt: dict[str, Any]) -> OutgoingMail:
    payload = receipt["payload"]
    return OutgoingMail(
        to=to,
        kind="privacy.erasure_receipt",
        subject="Your Hearthwatch account has been deleted",
        body=(
            "Your Hearthwatch account and its data have been deleted.\n\n"
            f"Recordings of {len(payload['camera_ids'])} camera(s) were made unreadable at "
            "once by destroying their keys, backups included, and are being removed.\n"
            "Below is your signed erasure receipt. Keep it: anyone can check it against the "
            "service's public key at /api/v1/privacy/receipt-key.\n\n"
            f"{json.dumps(receipt, indent=2, sort_keys=True)}\n"
        ),
    )
