"""`hearthwatch demo`: embedded defaults, a demo account, and a printed URL and login."""

from __future__ import annotations

from hearthwatch.accounts.admin import create_confirmed_user
from hearthwatch.accounts.registration import find_user_by_email
from hearthwatch.server import prepare, run
from hearthwatch.settings import Settings

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-hearth-watch-2026"  # noqa: S105 (printed for the local demo)


def run_demo(settings: Settings, *, host: str, port: int) -> None:
    settings = settings.model_copy(update={"mail_backend": "outbox", "environment": "development"})
    ctx = prepare(settings)
    with ctx.db.session() as session:
        if find_user_by_email(session, DEMO_EMAIL) is None:
            create_confirmed_user(
                ctx, session, email=DEMO_EMAIL, password=DEMO_PASSWORD, nickname="Demo"
            )
    url = f"http://{host}:{port}/"
    banner = (
        f"\n  Hearthwatch demo is running at {url}\n"
        f"  Sign in as {DEMO_EMAIL} with password {DEMO_PASSWORD}\n"
        f"  Mail goes to the local outbox: {url}outbox\n"
        f"  Data directory: {settings.data_dir.resolve()}\n"
    )
    print(banner, flush=True)
    run(ctx, host=host, port=port)
