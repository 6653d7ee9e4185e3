"""/privacy/data: everything Hearthwatch holds about the signed-in person, on one page (P17).

The rows come from `privacy/export/data_view.py`, the walk of the data map the export archive
and GET /api/v1/privacy/data use too, so the page, the API and the archive never disagree
and a new personal column shows up here by itself; `web/data_groups.py` sorts them by
subject and puts them in words.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from hearthwatch.api.deps import ContextDep
from hearthwatch.privacy.export.data_view import SHOWN_ROWS, data_of
from hearthwatch.web.data_groups import grouped
from hearthwatch.web.deps import Viewer, WebRoute
from hearthwatch.web.rendering import render
from hearthwatch.web.viewer import WebDb

router = APIRouter(prefix="/privacy/data", route_class=WebRoute)


@router.get("")
def data_page(request: Request, ctx: ContextDep, db: WebDb, viewer: Viewer) -> Response:
    return render(
        request, ctx, "privacy_data.html", viewer=viewer, section="privacy",
        groups=grouped(data_of(db, viewer.user.id)), shown_rows=SHOWN_ROWS,
    )  # fmt: skip
