"""Issue 12 item 12: the QR decoder ships with the service, exactly as package.json records
it (npm package, version, checksum, licence), is served by the service itself, and needs
nothing the Content-Security-Policy forbids."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from fastapi.testclient import TestClient

from hearthwatch.accounts.models import User

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "@zxing/library"


def vendored() -> dict[str, str]:
    manifest = json.loads((ROOT / "package.json").read_text())
    record: dict[str, str] = manifest["vendored"][PACKAGE]
    assert manifest["devDependencies"][PACKAGE] == "0.23.0"
    return record


def test_issue12_item12_vendored_decoder_is_the_recorded_npm_build_with_its_licence() -> None:
    record = vendored()
    built = ROOT / record["to"]
    assert hashlib.sha256(built.read_bytes()).hexdigest() == record["sha256"]
    assert "Apache License" in (built.parent / "LICENSE").read_text()
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"][f"node_modules/{PACKAGE}"]["version"] == "0.23.0"


def test_issue12_item12_decoder_needs_no_eval() -> None:
    source = (ROOT / vendored()["to"]).read_text()
    assert "eval(" not in source and "new Function" not in source
    assert "sourceMappingURL" not in source  # no request for a map that is not shipped


def test_issue12_item12_add_page_loads_the_decoder_from_the_service(
    client: TestClient, alice: User
) -> None:
    shown = client.get("/cameras/add")
    policy = shown.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-eval" not in policy
    page = shown.text
    src = "/static/vendor/zxing-library/zxing-library.min.js"
    assert f'data-decoder-src="{src}"' in page
    served = client.get(src)
    assert served.status_code == 200 and "javascript" in served.headers["content-type"]
    assert hashlib.sha256(served.content).hexdigest() == vendored()["sha256"]
