"""The dispatcher's /board and the engineer's /m in a real Chromium, side by side.

One server and one browser for the module; the board and the phone are two browser
contexts (two people on two machines), logged in once and kept open across the tests,
which each make their own tickets. What the pages applied is read from
`window.__aftersales.log` (every ticket event, by sequence) and from the DOM.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e.client import assert_ok
from e2e.ticket_helpers import dispatch, get_ticket
from PIL import Image
from playwright.sync_api import expect

from .conftest import Site, login_page, watch_errors

PHONE = {"width": 390, "height": 844}
HERE = {"latitude": 30.2741, "longitude": 120.1551}

UPDATE_TICKET = """
mutation M($id: ID!, $input: UpdateTicketInput!) {
  updateTicket(id: $id, input: $input) { id version severity }
}"""
FIELD_STATE = """
query Q($id: ID!) {
  ticket(id: $id) {
    id status
    checkIns { latitude longitude note }
    workRecords { details method }
    attachments { kind fileName }
    signature { signerName }
  }
}"""


@pytest.fixture(scope="module")
def errors() -> list[str]:
    return []


@pytest.fixture(scope="module")
def board(chromium: Any, site: Site, errors: list[str]) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    page = context.new_page()
    watch_errors(page, errors)
    login_page(page, f"{site.server.url}/board", site.world.dispatcher)
    yield page
    context.close()


@pytest.fixture(scope="module")
def phone(chromium: Any, site: Site, errors: list[str]) -> Iterator[Any]:
    context = chromium.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        geolocation=HERE,
        permissions=["geolocation"],
    )
    page = context.new_page()
    watch_errors(page, errors)
    login_page(page, f"{site.server.url}/m", site.world.engineer)
    yield page
    context.close()


def _attrs(attrs: dict[str, str]) -> str:
    return "".join(f'[data-{name}="{value}"]' for name, value in attrs.items())


def row(page: Any, ticket_id: str, **attrs: str) -> Any:
    """The board's row of the ticket (with these data- attributes, e.g. status=...)."""
    return page.locator(f'#ticket-rows tr[data-ticket-id="{ticket_id}"]{_attrs(attrs)}')


def card(page: Any, ticket_id: str, **attrs: str) -> Any:
    """The phone's card of the ticket (with these data- attributes)."""
    return page.locator(f'#my-tickets li[data-ticket-id="{ticket_id}"]{_attrs(attrs)}')


def applied(page: Any) -> list[int]:
    return page.evaluate("window.__aftersales.log.map((e) => e.seq)")


def sequences_of(site: Site, ticket_id: str, event_type: str) -> list[int]:
    history = get_ticket(site.server, site.server.admin_token, ticket_id)["history"]
    return [e["sequence"] for e in history if e["type"] == event_type]


def assert_in_order_once(log: list[int]) -> None:
    assert log == sorted(set(log)), f"events applied out of order or twice: {log}"


def no_page_errors(errors: list[str]) -> None:
    # Network errors while a test holds a page offline are expected; nothing else is.
    real = [e for e in errors if "WebSocket" not in e and "ERR_INTERNET_DISCONNECTED" not in e]
    assert not real, real


# -- 1. dispatch on the board, the phone shows it; acknowledge on the phone, the board --


def test_dispatch_on_the_board_shows_on_the_phone_within_a_second(
    site: Site, board: Any, phone: Any, errors: list[str]
) -> None:
    ticket = site.world.new_ticket(severity=1)
    line = row(board, ticket["id"])
    line.wait_for()  # the board learnt of the new ticket live
    assert line.get_attribute("data-status") == "NEW"
    assert line.get_attribute("data-sla") == "ON_TRACK"
    assert "respond by" in line.locator("td.due").inner_text()

    line.locator("select[data-role=engineer]").select_option(site.world.engineer.id)
    started = time.monotonic()
    line.locator("button[data-role=dispatch]").click()
    card(phone, ticket["id"]).wait_for(timeout=5_000)
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, f"the phone showed the dispatch after {elapsed:.2f} s"
    assert card(phone, ticket["id"]).get_attribute("data-status") == "DISPATCHED"
    # The phone's notification of the dispatch arrives live too.
    phone.locator(f'#notifications li[data-ticket-id="{ticket["id"]}"]').first.wait_for()
    assert_in_order_once(applied(phone))
    no_page_errors(errors)


def test_acknowledge_on_the_phone_changes_the_board_row(
    site: Site, board: Any, phone: Any, errors: list[str]
) -> None:
    w = site.world
    ticket = w.new_ticket(severity=2)
    dispatch(site.server, w.dispatcher.token, ticket["id"], w.engineer.id)
    card(phone, ticket["id"]).wait_for()
    row(board, ticket["id"], status="DISPATCHED").wait_for()

    started = time.monotonic()
    card(phone, ticket["id"]).locator("button[data-role=acknowledge]").click()
    row(board, ticket["id"], status="ACCEPTED").wait_for(timeout=5_000)
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, f"the board showed the acknowledgement after {elapsed:.2f} s"
    line = row(board, ticket["id"])
    assert line.locator("td.status").inner_text() == "Accepted"
    assert line.locator("td.assignee").inner_text() == w.engineer.username
    # Handled on the phone: the dispatch notification shows handled there at once.
    phone.locator(
        f'#notifications li[data-ticket-id="{ticket["id"]}"][data-handled="true"]'
    ).first.wait_for()
    assert_in_order_once(applied(board))
    no_page_errors(errors)


# -- 2. a dropped network: what happened meanwhile arrives once, in order ------------------


def test_phone_offline_gets_both_changes_in_order_once_when_back(
    site: Site, phone: Any, errors: list[str]
) -> None:
    w, s = site.world, site.server
    first, second = w.new_ticket(severity=2), w.new_ticket(severity=3)
    connections = phone.evaluate("window.__aftersales.state.connections")
    before = applied(phone)

    phone.context.set_offline(True)
    phone.locator("#live-status[data-state=offline]").wait_for()
    dispatch(s, w.dispatcher.token, first["id"], w.engineer.id)
    dispatch(s, w.dispatcher.token, second["id"], w.engineer.id)
    missed = sequences_of(site, first["id"], "TICKET_DISPATCHED") + sequences_of(
        site, second["id"], "TICKET_DISPATCHED"
    )
    time.sleep(0.5)
    assert applied(phone) == before, "events reached a phone that was offline"
    assert card(phone, first["id"]).count() == 0

    phone.context.set_offline(False)
    card(phone, second["id"]).wait_for(timeout=10_000)
    card(phone, first["id"]).wait_for()
    log = applied(phone)
    assert_in_order_once(log)
    assert log[len(before) :] == missed, (log, missed)
    state = phone.evaluate("window.__aftersales.state")
    assert state["connections"] == connections + 1
    # The new connection resumed from the last event applied before the drop.
    assert state["resumes"][-1]["events"] == (before[-1] if before else None)
    no_page_errors(errors)


def test_two_changes_while_the_board_is_offline_too(
    site: Site, board: Any, errors: list[str]
) -> None:
    w, s = site.world, site.server
    ticket = w.new_ticket(severity=3)
    row(board, ticket["id"]).wait_for()
    before = applied(board)
    board.context.set_offline(True)
    board.locator("#live-status[data-state=offline]").wait_for()
    dispatch(s, w.dispatcher.token, ticket["id"], w.engineer2.id)
    assert_ok(s.gql(UPDATE_TICKET, {"id": ticket["id"], "input": {"severity": 1}}, s.admin_token))
    board.context.set_offline(False)
    row(board, ticket["id"], status="DISPATCHED", assignee=w.engineer2.id).wait_for(timeout=10_000)
    expect(row(board, ticket["id"]).locator("td.sev")).to_have_text("1")
    # (With no notification yet, a reconnection also reads the table again: the row may
    # be right before the two events, replayed from `since`, are applied.)
    board.wait_for_function("n => window.__aftersales.log.length >= n", arg=len(before) + 2)
    log = applied(board)
    assert_in_order_once(log)
    assert len(log) == len(before) + 2, (before, log)
    no_page_errors(errors)


# -- 2b. at start: a change between the page's first read and its feed is not lost ----------


def test_a_dispatch_while_the_phone_reads_its_list_shows_once(
    chromium: Any, site: Site, errors: list[str]
) -> None:
    """A new engineer (nothing of theirs on screen, so no sequence to resume from) opens
    /m; the server answers the list, and before the page has that answer a ticket is
    dispatched to them. The page must show it once (it listens before it reads)."""
    w, s = site.world, site.server
    engineer = s.make_user("ENGINEER")
    ticket = w.new_ticket(severity=2)
    context = chromium.new_context(viewport=PHONE, is_mobile=True, locale="en-US")
    page = context.new_page()
    watch_errors(page, errors)
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(str(f))))
    held: list[bool] = []  # the list's answer held; the event came meanwhile

    def arrived() -> bool:
        return any(ticket["id"] in f and "TICKET_DISPATCHED" in f for f in frames)

    def hold_the_list(route: Any) -> None:
        if held or "query MyTickets(" not in (route.request.post_data or ""):
            route.continue_()
            return
        answer = route.fetch()  # read by the server now: not this ticket
        dispatch(s, w.dispatcher.token, ticket["id"], engineer.id)
        # The event reaches the page while its list is still on the way (at most 1 s).
        deadline = time.monotonic() + 1.0
        while not arrived() and time.monotonic() < deadline:
            page.wait_for_timeout(20)
        held.append(arrived())
        route.fulfill(response=answer)

    page.route("**/graphql", hold_the_list)
    try:
        login_page(page, f"{s.url}/m", engineer)
        card(page, ticket["id"], status="DISPATCHED").wait_for(timeout=3_000)
        page.locator(f'#notifications li[data-ticket-id="{ticket["id"]}"]').wait_for()
        assert held == [True], "the event did not arrive while the list was held"
        assert card(page, ticket["id"]).count() == 1
        assert page.locator(f'#notifications li[data-ticket-id="{ticket["id"]}"]').count() == 1
        log = page.evaluate("window.__aftersales.log")
        assert [e["seq"] for e in log if e["ticketId"] == ticket["id"]] == sequences_of(
            site, ticket["id"], "TICKET_DISPATCHED"
        )
        assert_in_order_once([e["seq"] for e in log])
    finally:
        context.close()
    no_page_errors(errors)


# -- 3. two boards, one ticket, at once -----------------------------------------------------


def test_two_boards_dispatch_one_ticket_one_wins_the_other_sees_the_conflict(
    chromium: Any, site: Site, board: Any, errors: list[str]
) -> None:
    w = site.world
    context = chromium.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
    other = context.new_page()
    watch_errors(other, errors)
    try:
        login_page(other, f"{site.server.url}/board", w.back_office)
        ticket = w.new_ticket(severity=2)
        picks = {board: w.engineer, other: w.engineer2}
        for page, engineer in picks.items():
            line = row(page, ticket["id"])
            line.wait_for()
            line.locator("select[data-role=engineer]").select_option(engineer.id)
        # An earlier test's "Done" (shown for 8 s) must not pass for this dispatch's.
        for page in picks:
            page.evaluate("document.querySelector('#flash').textContent = ''")
        # Both dispatch before either hears of the other's change: each board's request
        # is held until both were made (a loaded machine may click 200 ms apart).
        sent: list[Any] = []

        def hold_dispatch(route: Any) -> None:
            if "mutation BoardDispatch(" in (route.request.post_data or ""):
                sent.append(route)
            else:
                route.continue_()

        for page in picks:
            page.route("**/graphql", hold_dispatch)
        for page in picks:
            row(page, ticket["id"]).locator("button[data-role=dispatch]").evaluate("b => b.click()")
        deadline = time.monotonic() + 5
        while len(sent) < 2 and time.monotonic() < deadline:
            board.wait_for_timeout(10)
        assert len(sent) == 2, "both boards must have sent their dispatch"
        for route in sent:
            route.continue_()
        for page in picks:
            page.unroute("**/graphql", hold_dispatch)

        notice = f'tr[data-conflict-for="{ticket["id"]}"]'
        board.wait_for_function(
            f"""() => document.querySelector('{notice}') ||
                      document.querySelector('#flash').textContent.includes('Done')"""
        )
        other.wait_for_function(
            f"""() => document.querySelector('{notice}') ||
                      document.querySelector('#flash').textContent.includes('Done')"""
        )
        lost = [page for page in picks if page.locator(notice).count()]
        assert len(lost) == 1, "exactly one board must get the CONFLICT"
        loser = lost[0]
        winner = next(page for page in picks if page is not loser)
        won_by = picks[winner]

        current = get_ticket(site.server, site.server.admin_token, ticket["id"])
        assert current["assignee"]["id"] == won_by.id
        # The loser sees the ticket as it now stands: dispatched, to the winner's pick.
        state = loser.locator(f'{notice} [data-role="conflict-state"]')
        expect(state).to_contain_text(f"version {current['version']}")
        expect(state).to_contain_text("Dispatched")
        expect(state).to_contain_text(won_by.username)
        expect(row(loser, ticket["id"]).locator("td.assignee")).to_have_text(won_by.username)

        # ...and may retry: a reassignment to its own pick, against the current version.
        loser.locator(f'{notice} button[data-role="retry"]').click()
        loser.locator(notice).wait_for(state="detached")
        for page in picks:
            row(page, ticket["id"], assignee=picks[loser].id).wait_for()
        after = get_ticket(site.server, site.server.admin_token, ticket["id"])
        assert after["assignee"]["id"] == picks[loser].id
        assert after["version"] == current["version"] + 1
    finally:
        context.close()
    no_page_errors(errors)


# -- 4. field work on the phone --------------------------------------------------------------


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (40, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def test_field_work_on_the_phone(
    site: Site, phone: Any, artifacts: Path, errors: list[str]
) -> None:
    w, s = site.world, site.server
    ticket = w.new_ticket(severity=2)
    dispatch(s, w.dispatcher.token, ticket["id"], w.engineer.id)
    card(phone, ticket["id"]).wait_for()
    phone.locator(f'#my-tickets li[data-ticket-id="{ticket["id"]}"] a').click()
    detail = phone.locator(f'#detail-view[data-ticket-id="{ticket["id"]}"]')
    detail.wait_for()

    phone.click("#acknowledge")
    phone.locator("#detail-view[data-status=ACCEPTED]").wait_for()
    phone.fill("#checkin-note", "到达现场")
    phone.click("#checkin-form button[type=submit]")
    phone.locator("#detail-view[data-status=IN_PROGRESS]").wait_for()

    phone.fill("#work-details", "更换皮带并测试")
    phone.fill("#work-place", "2 号线")
    phone.click("#work-form button[type=submit]")
    phone.locator("#detail-facts dd", has_text="更换皮带并测试").wait_for()

    phone.set_input_files(
        "#photo-file", files=[{"name": "site.jpg", "mimeType": "image/jpeg", "buffer": _photo()}]
    )
    phone.fill("#photo-note", "before")
    phone.click("#photo-form button[type=submit]")
    phone.locator("#attachments li[data-kind=PHOTO]").wait_for()

    phone.fill("#close-summary", "已修复")
    phone.click("#close-form button[type=submit]")
    phone.locator("#detail-view[data-status=CLOSE_REQUESTED]").wait_for()

    phone.fill("#signer-name", "王工")
    box = phone.locator("#signature-pad").bounding_box()
    assert box is not None
    phone.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    phone.mouse.down()
    for step in range(1, 12):
        phone.mouse.move(
            box["x"] + 20 + step * 25, box["y"] + box["height"] / 2 + (-1) ** step * 15
        )
    phone.mouse.up()
    phone.click("#signature-form button[type=submit]")
    phone.locator("#attachments li[data-kind=SIGNATURE]").wait_for()

    state = assert_ok(s.gql(FIELD_STATE, {"id": ticket["id"]}, s.admin_token))["ticket"]
    assert state["status"] == "CLOSE_REQUESTED"
    assert [(c["latitude"], c["longitude"], c["note"]) for c in state["checkIns"]] == [
        (HERE["latitude"], HERE["longitude"], "到达现场")
    ]
    assert [r["details"] for r in state["workRecords"]] == ["更换皮带并测试"]
    assert sorted(a["kind"] for a in state["attachments"]) == ["PHOTO", "SIGNATURE"]
    assert state["signature"]["signerName"] == "王工"
    phone.screenshot(path=str(artifacts / "phone-ticket.png"), full_page=True)
    phone.click("#back")
    phone.locator("#list-view").wait_for()
    no_page_errors(errors)


# -- 5. what they look like (CI keeps build/browser/) ---------------------------------------


def test_screenshots(
    site: Site, board: Any, phone: Any, artifacts: Path, errors: list[str]
) -> None:
    board.screenshot(path=str(artifacts / "board.png"), full_page=True)
    phone.screenshot(path=str(artifacts / "phone.png"), full_page=True)
    # The phone in English too, then back (the toggle; the dictionary has both).
    phone.click("#lang")
    phone.locator("html[lang=en]").wait_for()
    phone.screenshot(path=str(artifacts / "phone-en.png"), full_page=True)
    phone.click("#lang")
    phone.locator("html[lang=zh-CN]").wait_for()
    for name in ("board.png", "phone.png", "phone-en.png"):
        assert (artifacts / name).stat().st_size > 10_000
    no_page_errors(errors)


# -- 6. GraphiQL with nothing but the app on the network --------------------------------------


def set_editor(page: Any, editor: Any, name: str, text: str) -> None:
    """Puts `text` in a GraphiQL editor through its own API (typing races the
    autocompletion), then waits until GraphiQL has taken it (it stores it, debounced)."""
    editor.evaluate("(el, text) => el.CodeMirror.setValue(text)", text)
    page.wait_for_function(
        "([name, text]) => localStorage.getItem(`graphiql:${name}`) === text", arg=[name, text]
    )


def test_graphiql_runs_a_query_with_only_the_app_reachable(
    chromium: Any, site: Site, artifacts: Path
) -> None:
    origin = site.server.url
    context = chromium.new_context(viewport={"width": 1300, "height": 800})
    outside: list[str] = []

    def only_the_app(route: Any) -> None:
        url = route.request.url
        if url.startswith(f"{origin}/") or url.startswith(origin.replace("http", "ws", 1)):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", only_the_app)
    page = context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    sockets: list[str] = []
    sent: list[str] = []

    def websocket(socket: Any) -> None:
        sockets.append(socket.url)
        socket.on("framesent", lambda payload: sent.append(str(payload)))

    page.on("websocket", websocket)
    try:
        page.goto(f"{origin}/graphql")
        editor = page.locator(".graphiql-query-editor .CodeMirror")
        editor.wait_for(timeout=20_000)
        set_editor(page, editor, "query", "query Typename { __typename }")
        page.locator(".graphiql-execute-button").click()
        page.wait_for_function(
            """() => {
                const el = document.querySelector('.graphiql-response .CodeMirror');
                return el && el.CodeMirror.getValue().includes('"Query"');
            }""",
            timeout=10_000,
        )
        # A subscription, over a websocket to the same origin with the Headers pane's token.
        page.get_by_text("Headers", exact=True).click()
        headers = page.locator(".graphiql-editor-tool .CodeMirror").last
        token = site.world.dispatcher.token
        set_editor(page, headers, "headers", f'{{"Authorization": "Bearer {token}"}}')
        set_editor(page, editor, "query", "subscription Live { ticketEvents { sequence type } }")
        page.locator(".graphiql-execute-button").click()
        deadline = time.monotonic() + 10
        while not any('"subscribe"' in frame for frame in sent):
            assert time.monotonic() < deadline, f"no subscribe message sent: {sent}"
            page.wait_for_timeout(50)
        page.wait_for_timeout(200)  # the server starts the subscription
        site.world.new_ticket()
        page.wait_for_function(
            """() => document.querySelector('.graphiql-response .CodeMirror')
                .CodeMirror.getValue().includes('TICKET_CREATED')""",
            timeout=10_000,
        )
        page.screenshot(path=str(artifacts / "graphiql.png"))
    finally:
        context.close()
    assert outside == [], f"GraphiQL reached outside the app: {outside}"
    assert all(url.startswith(origin) for url in requests), requests
    assert sockets == [origin.replace("http", "ws", 1) + "/graphql"], sockets
    assert any(url.startswith(f"{origin}/static/vendor/graphiql/") for url in requests)
    assert not page_errors, page_errors
