"""What the app serves for the pages, without a browser or a database: the vendored
files match their manifest, every page and GraphiQL load only from this origin, and
/board, /m and /static are served in production too (GraphiQL is not: see
tests/e2e/test_transport.py)."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import warnings
from typing import Any

import pytest

from app import WEB_DIR, create_app
from settings import Settings

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 under its test client; httpx does the job here.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

PAGES = ("board.html", "m.html", "graphiql.html")
REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")
STRONG_KEY = "k" * 48


def _vendor() -> Any:
    spec = importlib.util.spec_from_file_location("web_vendor", WEB_DIR / "vendor.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def client() -> TestClient:
    # No lifespan: the pages and /static need neither the database nor the relay.
    settings = Settings(environment="production", secret_key=STRONG_KEY)
    return TestClient(create_app(settings))


def test_the_vendored_files_match_the_manifest_and_carry_their_licences() -> None:
    vendor = _vendor()
    assert vendor.check() == []
    manifest = json.loads(vendor.MANIFEST.read_text())
    pinned = {(pin.package, pin.version) for pin in vendor.PINS}
    assert {(e["package"], e["version"]) for e in manifest["packages"]} == pinned
    for entry in manifest["packages"]:
        assert entry["license"], entry["package"]
        assert entry["integrity"].startswith("sha512-")
        assert (vendor.VENDOR_DIR / entry["licenseFile"]).stat().st_size > 100


@pytest.mark.parametrize("page", PAGES)
def test_pages_load_only_from_this_origin(client: TestClient, page: str) -> None:
    html = (WEB_DIR / page).read_text(encoding="utf-8")
    references = REFERENCE.findall(html)
    assert references
    for reference in references:
        if reference.startswith(("data:", "#")):
            continue
        assert reference.startswith("/static/"), f"{page} loads {reference}"
        served = client.get(reference)
        assert served.status_code == 200, reference
        assert served.headers["cache-control"] == "no-cache"
        # Revalidation answers 304 without the body.
        again = client.get(reference, headers={"If-None-Match": served.headers["etag"]})
        assert again.status_code == 304
    assert "http://" not in html and "https://" not in html


def test_page_scripts_name_no_other_host() -> None:
    for script in (WEB_DIR / "static").glob("*.js"):
        text = script.read_text(encoding="utf-8")
        assert not re.search(r"(?:https?|wss?)://", text), f"{script.name} names another host"
        for imported in re.findall(r"""from\s+["'](\./[^"']+)["']""", text):
            assert (script.parent / imported).exists(), f"{script.name} imports {imported}"


@pytest.mark.parametrize("path", ["/board", "/m"])
def test_pages_are_served_in_production_with_a_strict_policy(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy


def test_graphiql_is_served_from_our_template() -> None:
    settings = Settings(secret_key=STRONG_KEY)
    graphql = next(
        r.app for r in create_app(settings).routes if getattr(r, "path", "") == "/graphql"
    )
    html = graphql.graphql_ide_html
    assert html == (WEB_DIR / "graphiql.html").read_text(encoding="utf-8")
    assert "/static/vendor/graphiql/graphiql.min.js" in html and "unpkg" not in html


def test_only_web_static_is_served(client: TestClient) -> None:
    assert client.get("/static/vendor/MANIFEST.json").status_code == 200
    assert client.get("/static/%2e%2e/vendor.py").status_code == 404
    assert client.get("/static/%2e%2e/%2e%2e/app.py").status_code == 404
