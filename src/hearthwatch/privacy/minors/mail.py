"""The mails of the guardian-consent flow (P4); addresses of others appear masked."""

from __future__ import annotations

from datetime import datetime

from hearthwatch.mail.messages import OutgoingMail


def _day(moment: datetime) -> str:
    return f"{moment:%d %B %Y}"


def guardian_request(to: str, *, child: str, link: str, deadline: datetime) -> OutgoingMail:
    return OutgoingMail(
        to=to,
        kind="minors.guardian_request",
        subject="A child asks for your consent to use Hearthwatch",
        body=(
            f"The Hearthwatch account {child} belongs to someone under 16 who named you as "
            "their parent or guardian.\n\n"
            "Under 16, an account can only be used with a parent's or guardian's consent. "
            f"To agree, or to refuse, open this link before {_day(deadline)}:\n\n{link}\n\n"
            "If you refuse, or do not answer in time, the account and everything in it is "
            "deleted. If you do not know this child, ignore this mail: the account is deleted.\n"
        ),
    )


def consent_given(to: str) -> OutgoingMail:
    return OutgoingMail(
        to=to,
        kind="minors.consent_given",
        subject="Your parent or guardian agreed: you can sign in",
        body="Your parent or guardian gave their consent. You can now sign in to Hearthwatch.\n",
    )


def account_reported(
    to: str, *, link: str, deadline: datetime, operator: str | None
) -> OutgoingMail:
    contact = f"write to {operator}" if operator else "reply to the operator of this service"
    return OutgoingMail(
        to=to,
        kind="minors.account_reported",
        subject="Your Hearthwatch account is on hold",
        body=(
            "Someone told us this Hearthwatch account may belong to a child under 16, and "
            "our operator, having reviewed the report, agreed. Until that is cleared up the "
            "account is on hold: nobody can sign in to it.\n\n"
            "If you are under 16, a parent or guardian must agree. Give us their e-mail "
            f"address here and we will ask them:\n\n{link}\n\n"
            f"If you are 16 or older, {contact} and show it (for example with an ID document "
            "with everything but the date of birth covered).\n\n"
            f"Without either before {_day(deadline)}, the account and everything in it is "
            "deleted.\n"
        ),
    )


def report_to_holder(to: str, *, link: str) -> OutgoingMail:
    return OutgoingMail(
        to=to,
        kind="minors.report_received",
        subject="Someone reported your Hearthwatch account as a child's",
        body=(
            "Someone told us this Hearthwatch account may belong to a child under 16. "
            "Nothing changes for now: you can sign in and use the account as before.\n\n"
            "Our operator reviews the report before anything is done, and reads your answer "
            f"first. Tell us about it here:\n\n{link}\n\n"
            "If you are 16 or older, say so (the operator may ask you to show it). If the "
            "operator finds the account is a child's, it is put on hold until a parent or "
            "guardian agrees, and you are mailed how that works.\n"
        ),
    )


def report_dismissed(to: str) -> OutgoingMail:
    return OutgoingMail(
        to=to,
        kind="minors.report_dismissed",
        subject="The report about your Hearthwatch account was dismissed",
        body=(
            "Our operator reviewed the report that this account may belong to a child under "
            "16 and dismissed it. Nothing changes for your account.\n"
        ),
    )


def operator_report(to: str, *, account: str, outcome: str, note: str | None) -> OutgoingMail:
    return OutgoingMail(
        to=to,
        kind="minors.operator_report",
        subject="Report: an account may belong to a child under 16",
        body=(
            f"Someone reported the address {account} as a child's account.\n\n"
            f"What happened: {outcome}.\n\n"
            f"The reporter wrote: {note or '(nothing)'}\n\n"
            "Nothing is restricted until you review it. The holder was mailed and can "
            "answer; read the answer, then dismiss the report or confirm it (which puts the "
            "account on hold until a guardian consents, and deletes it without):\n"
            "  /operator/minors, or: hearthwatch privacy minors reports\n"
            "  hearthwatch privacy minors dismiss REPORT_ID --reason ...\n"
            "  hearthwatch privacy minors confirm REPORT_ID --reason ...\n"
        ),
    )
