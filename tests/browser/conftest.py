"""Browser fixtures: a real headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright; Playwright's own browsers are never downloaded) against a real server.

* ``chromium`` (module): the launched browser. Without /usr/bin/chromium the tests are
  skipped, except under ``CI=true``, where they fail (`.ci/run` installs it).
* ``site`` (module): a fresh SQLite server (`e2e.conftest.server_factory`) with a 24x7
  SLA policy for severities 1 and 2 (the board's SLA columns), and a `TicketWorld` on
  it: ``site.server``, ``site.world``.
* ``artifacts``: ``build/browser/``, where screenshots go (CI keeps them).

Pages log in through their own login form, as a person would (`login_page`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from e2e.client import Server, UserHandle
from e2e.conftest import server_factory, start_server  # noqa: F401 (fixtures, used by `site`)
from e2e.ticket_helpers import TicketWorld

CHROMIUM = os.environ.get("BROWSER_TESTS_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "build" / "browser"

CALENDAR = """
mutation M($input: BusinessCalendarInput!) { createBusinessCalendar(input: $input) { id } }"""
POLICY = """
mutation M($input: SlaPolicyInput!) { createSlaPolicy(input: $input) { id } }"""


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
        if _in_ci():
            pytest.fail(f"CI=true but {reason}: the browser tests must run in CI", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Site:
    server: Server
    world: TicketWorld


@pytest.fixture(scope="module")
def site(server_factory: Callable[..., Server]) -> Iterator[Site]:  # noqa: F811
    server = server_factory("sqlite")
    world = TicketWorld.build(server)
    calendar = server.admin(
        CALENDAR,
        {
            "input": {
                "name": "24x7",
                "timezone": "Asia/Shanghai",
                "hours": [{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(1, 8)],
            }
        },
    )["createBusinessCalendar"]
    for severity, minutes in ((1, 60), (2, 240)):
        server.admin(
            POLICY,
            {
                "input": {
                    "name": f"Severity {severity}",
                    "severity": severity,
                    "responseMinutes": minutes,
                    "onSiteMinutes": minutes * 2,
                    "resolutionMinutes": minutes * 8,
                    "warnBeforeMinutes": 30,
                    "calendarId": calendar["id"],
                }
            },
        )
    yield Site(server, world)
    server.stop()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def login_page(page: Any, url: str, user: UserHandle) -> None:
    """Opens `url` and logs in through the page's own form; waits until it is live."""
    page.goto(url)
    page.fill("#username", user.username)
    page.fill("#password", user.password)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#live-status[data-state=live]", timeout=10_000)


def watch_errors(page: Any, errors: list[str]) -> None:
    """Collects the page's uncaught errors and console errors into `errors`."""
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on(
        "console",
        lambda msg: (
            errors.append(f"console.{msg.type}: {msg.text}") if msg.type == "error" else None
        ),
    )
