"""`/api/v1/devices/provision`: operators tell the service which cameras exist (P5).

The API twin of `hearthwatch devices provision`: the same list formats, the same checks
(devices/provision.py), for operators only (access/operators.py); a refused list answers
422 `provision.invalid` with every problem's line and code in ``error.details.problems``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from hearthwatch.api.deps import ContextDep, DbDep, Operator
from hearthwatch.devices import provision
from hearthwatch.privacy.audit import service as audit

router = APIRouter(prefix="/devices", tags=["devices operator"])

Template = Annotated[str, Field(min_length=8, max_length=512, pattern=r"\{serial\}")]


class ProvisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str = Field(
        description="The list: camsim's JSON or printout, QR payload lines, or CSV with a "
        f"header. At most {provision.MAX_BYTES} bytes and {provision.MAX_CAMERAS} cameras."
    )
    dry_run: bool = Field(False, description="Check and report, but store nothing.")
    address_template: Template | None = Field(
        None, description="Main stream address for entries without one; {serial} is replaced."
    )
    sub_address_template: Template | None = None
    model: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        None, description="Model of the cameras whose entry names none."
    )
    firmware_version: Annotated[str, Field(min_length=1, max_length=32)] | None = None


class ProvisionedOut(BaseModel):
    serial: str
    outcome: Literal["added", "updated", "unchanged"]


class ProvisionOut(BaseModel):
    format: Literal["json", "csv", "text"]
    dry_run: bool
    added: int
    updated: int
    unchanged: int
    cameras: list[ProvisionedOut]


@router.post("/provision", response_model=ProvisionOut)
def provision_cameras(
    body: ProvisionIn, operator: Operator, ctx: ContextDep, db: DbDep
) -> ProvisionOut:
    """Add (or update) the cameras of a list to the registry, so they bind by QR and serial."""
    defaults = provision.Defaults(
        address_template=body.address_template,
        sub_address_template=body.sub_address_template,
        model=body.model,
        firmware_version=body.firmware_version,
    )
    report = provision.provision(
        ctx,
        db,
        data=body.content.encode("utf-8", "surrogatepass"),  # not UTF-8: refused as such
        actor=audit.actor_operator(operator.name),
        defaults=defaults,
        dry_run=body.dry_run,
    )
    cameras = [ProvisionedOut(serial=s, outcome=o) for s, o in report.outcomes.items()]
    return ProvisionOut(
        format=report.format,
        dry_run=report.dry_run,
        cameras=cameras,
        **report.summary(),
    )
