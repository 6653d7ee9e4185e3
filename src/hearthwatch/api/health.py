"""`/api/v1/health`: liveness and database reachability, for load balancers and start-up checks."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from hearthwatch import __version__
from hearthwatch.api.deps import ContextDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    version: str
    database: str


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
def health(ctx: ContextDep) -> JSONResponse:
    """`ok` with 200 when the database answers, `degraded` with 503 when it does not."""
    try:
        with ctx.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        database, code = "ok", 200
    except SQLAlchemyError:
        database, code = "unreachable", 503
    body = Health(
        status="ok" if code == 200 else "degraded", version=__version__, database=database
    )
    return JSONResponse(body.model_dump(), status_code=code)
