"""Notifications outside the app (channels.graphql), against local fakes started here
(tests/e2e/channel_fakes.py), on both databases:

* a dispatch reaches the engineer in WeChat Work within seconds, through a rate limit
  (retried) and an expired token (refreshed);
* the ERP's webhook receives every change of a ticket once, in order, signed, also
  when it failed the first tries;
* e-mail by SMTP to the address a user set;
* a delivery that keeps failing GAVE_UP after maxAttempts, visible in `deliveries`,
  and goes out with `retryDelivery`;
* deliveries pending when a server stops are delivered once by the next one;
* only the admin manages channels; secrets are never shown; private addresses are
  refused unless WEBHOOK_ALLOW_PRIVATE.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

import pytest

from . import channel_fakes as fakes
from .client import Server, assert_error, assert_ok
from .ticket_helpers import TicketWorld, dispatch, get_ticket

pytestmark = pytest.mark.runs_long(100)

CREATE = """
mutation C($input: ChannelInput!) {
  createChannel(input: $input) { id kind name enabled secretSet }
}"""
UPDATE = "mutation U($id: ID!, $input: ChannelInput!) { updateChannel(id: $id, input: $input) { id enabled } }"
CHANNELS = "{ channels { id kind name enabled secretSet notificationKinds maxAttempts config } }"
DELIVERIES = """
query D($first: Int, $filter: DeliveryFilter) {
  deliveries(first: $first, filter: $filter) {
    totalCount
    edges { node { id channel { id kind } status attempts lastError sentAt
                   notification { id kind } eventType } }
  }
}"""
BIND = "mutation B($userId: ID!, $wecomUserId: String!) { bindWecomUser(userId: $userId, wecomUserId: $wecomUserId) { id } }"
PREFERENCES = """
mutation P($input: ChannelPreferencesInput!) {
  setMyChannelPreferences(input: $input) { wecomUserId email kinds }
}"""
TEST = "mutation T($id: ID!) { testChannel(id: $id) { ok status detail } }"
RETRY = "mutation R($id: ID!) { retryDelivery(id: $id) { id status } }"

WAIT = 20.0
# Deliveries looked for every 0.2 s, retried after 0.2 s, 0.4 s, 0.8 s...
FAST = {"DELIVERY_POLL_SECONDS": "0.2", "DELIVERY_BACKOFF_SECONDS": "0.2"}


def wait_for(check: Callable[[], Any], what: str, within: float = WAIT) -> Any:
    deadline = time.monotonic() + within
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within}s: {what}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def hub(backend: str, server_factory: Callable[..., Server]) -> Server:
    """A server whose deliveries look for work every 0.2 s and may reach the fakes on
    127.0.0.1."""
    return server_factory(
        backend,
        WEBHOOK_ALLOW_PRIVATE="true",
        PUBLIC_URL="https://service.example",
        **FAST,
    )


@pytest.fixture(scope="module")
def world(hub: Server) -> TicketWorld:
    return TicketWorld.build(hub)


def changes_of(erp: fakes.FakeReceiver, ticket_id: str) -> list[dict[str, Any]]:
    """The ticket events the receiver got about a ticket (not the notifications)."""
    return [
        d
        for d in erp.deliveries()
        if d["event"] != "NOTIFICATION" and (d["body"]["ticket"] or {}).get("id") == ticket_id
    ]


def create_channel(server: Server, **fields: Any) -> dict[str, Any]:
    return assert_ok(server.gql(CREATE, {"input": fields}, server.admin_token))["createChannel"]


def switch_off(server: Server, channel: dict[str, Any]) -> None:
    server.admin(UPDATE, {"id": channel["id"], "input": {"enabled": False}})


def deliveries_of(server: Server, channel: dict[str, Any], **filters: Any) -> list[dict[str, Any]]:
    data = server.admin(
        DELIVERIES, {"first": 100, "filter": {"channelId": channel["id"], **filters}}
    )
    return [edge["node"] for edge in data["deliveries"]["edges"]]


def test_a_dispatch_reaches_the_engineer_in_wechat_work(world: TicketWorld, hub: Server) -> None:
    with fakes.wecom() as api:
        channel = create_channel(
            hub,
            kind="WECOM",
            name="企业微信",
            config={
                "corpId": api.corp_id,
                "corpSecret": api.corp_secret,
                "agentId": 1000002,
                "apiBase": api.url,
            },
            notificationKinds=["DISPATCHED"],
        )
        assert channel["secretSet"] is True
        shown = next(c for c in hub.admin(CHANNELS)["channels"] if c["id"] == channel["id"])
        assert "corpSecret" not in shown["config"] and shown["config"]["corpId"] == api.corp_id
        wecom_id = f"eng-{secrets.token_hex(4)}"
        hub.admin(BIND, {"userId": world.engineer.id, "wecomUserId": wecom_id})

        api.send_errors = [45009]  # the first send meets a rate limit: tried again
        ticket = world.new_ticket()
        dispatch(hub, world.dispatcher.token, ticket["id"], world.engineer.id)
        (card,) = wait_for(lambda: api.received_by(wecom_id), "the dispatch in WeChat Work")
        assert card["msgtype"] == "textcard" and card["agentid"] == 1000002
        assert ticket["number"] in card["textcard"]["title"]
        assert card["textcard"]["url"] == f"https://service.example/tickets/{ticket['id']}"

        api.expire_tokens()  # the cached token is refused: a new one, and the send goes
        second = world.new_ticket()
        dispatch(hub, world.dispatcher.token, second["id"], world.engineer.id)
        wait_for(lambda: len(api.received_by(wecom_id)) == 2, "the second dispatch")
        assert api.tokens_issued == 2

        log = wait_for(
            lambda: (
                (found := deliveries_of(hub, channel))
                and all(d["status"] == "SENT" for d in found)
                and found
            ),
            "both recorded SENT",
        )
        assert [(d["status"], d["notification"]["kind"]) for d in log] == [
            ("SENT", "DISPATCHED"),
            ("SENT", "DISPATCHED"),
        ]
        assert [d["attempts"] for d in log] == [1, 2]  # newest first
        switch_off(hub, channel)


def test_the_erp_receives_every_ticket_change_once_signed(world: TicketWorld, hub: Server) -> None:
    with fakes.receiver(statuses=[503, 503]) as erp:
        channel = create_channel(
            hub, kind="WEBHOOK", name="ERP", config={"url": erp.url, "secret": erp.secret}
        )
        ticket = world.advance(world.new_ticket(), "ACCEPTED")
        history = get_ticket(hub, world.dispatcher.token, ticket["id"])["history"]

        def of_ticket() -> list[dict[str, Any]]:
            return changes_of(erp, ticket["id"])

        got = wait_for(lambda: len(of_ticket()) >= len(history) and of_ticket(), "every change")
        time.sleep(0.5)  # nothing more comes
        got = of_ticket()
        assert [d["event"] for d in got] == [h["type"] for h in history]
        assert [d["body"]["type"] for d in got] == [h["type"] for h in history]
        assert len({d["delivery"] for d in got}) == len(got)  # once each
        assert all(d["body"]["id"] == d["delivery"] for d in got)
        assert [d["body"]["ticket"]["status"] for d in got][-1] == "ACCEPTED"
        assert erp.bad_signatures == 0
        assert erp.requests >= len(got) + 2  # the two refusals were tried again
        # The notifications about it too (every kind: none named), with the ticket.
        told = [
            d["body"]
            for d in erp.deliveries()
            if d["event"] == "NOTIFICATION" and d["body"]["ticket"]["id"] == ticket["id"]
        ]
        assert [n["notification"]["kind"] for n in told] == ["DISPATCHED"]
        switch_off(hub, channel)


def test_e_mail_reaches_the_address_a_user_set(world: TicketWorld, hub: Server) -> None:
    with fakes.mailbox() as (box, port):
        channel = create_channel(
            hub,
            kind="EMAIL",
            name="mail",
            config={
                "host": "127.0.0.1",
                "port": port,
                "startTls": False,
                "from": "service@example.com",
            },
        )
        address = f"eng2-{secrets.token_hex(3)}@example.com"
        mine = assert_ok(
            hub.gql(
                PREFERENCES,
                {"input": {"email": address, "kinds": ["DISPATCHED"]}},
                world.engineer2.token,
            )
        )["setMyChannelPreferences"]
        assert mine == {"wecomUserId": None, "email": address, "kinds": ["DISPATCHED"]}
        ticket = world.new_ticket()
        dispatch(hub, world.dispatcher.token, ticket["id"], world.engineer2.id)
        mails = wait_for(lambda: [m for m in box.messages if m["to"] == [address]], "the e-mail")
        assert ticket["number"] in mails[0]["mail"]["Subject"]
        switch_off(hub, channel)


def test_a_delivery_gives_up_and_is_sent_again(world: TicketWorld, hub: Server) -> None:
    with fakes.receiver(down_with=500) as erp:
        channel = create_channel(
            hub,
            kind="WEBHOOK",
            name="flaky",
            config={"url": erp.url, "secret": erp.secret},
            maxAttempts=2,
        )
        world.new_ticket()
        gave_up = wait_for(
            lambda: deliveries_of(hub, channel, status=["GAVE_UP"]), "GAVE_UP", within=WAIT
        )[0]
        assert gave_up["attempts"] == 2 and gave_up["lastError"] == "HTTP 500"
        assert gave_up["eventType"] == "TICKET_CREATED"
        erp.down_with = None
        assert hub.admin(RETRY, {"id": gave_up["id"]})["retryDelivery"]["status"] == "PENDING"
        wait_for(lambda: erp.deliveries(), "the retried delivery")
        sent = wait_for(
            lambda: [
                d
                for d in deliveries_of(hub, channel)
                if d["id"] == gave_up["id"] and d["status"] == "SENT"
            ],
            "SENT",
        )
        assert sent[0]["sentAt"]
        assert_error(hub.gql(RETRY, {"id": gave_up["id"]}, hub.admin_token), "CONFLICT")
        switch_off(hub, channel)


def test_a_hanging_endpoint_holds_up_neither_the_api_nor_other_channels(
    world: TicketWorld, hub: Server
) -> None:
    with fakes.receiver(delay=25.0) as stuck, fakes.wecom() as api:
        hook = create_channel(
            hub, kind="WEBHOOK", name="stuck", config={"url": stuck.url, "secret": stuck.secret}
        )
        wecom = create_channel(
            hub,
            kind="WECOM",
            name="wecom-2",
            config={
                "corpId": api.corp_id,
                "corpSecret": api.corp_secret,
                "agentId": 7,
                "apiBase": api.url,
            },
            notificationKinds=["DISPATCHED"],
        )
        wecom_id = f"eng-{secrets.token_hex(4)}"
        hub.admin(BIND, {"userId": world.engineer2.id, "wecomUserId": wecom_id})
        for _ in range(3):  # the webhook's worker is busy with every one of them
            world.new_ticket()
        wait_for(lambda: stuck.requests > 0, "the webhook's first (hanging) request")
        started = time.monotonic()
        ticket = world.new_ticket()
        dispatch(hub, world.dispatcher.token, ticket["id"], world.engineer2.id)
        assert time.monotonic() - started < 2.0  # the API answers as ever
        wait_for(lambda: api.received_by(wecom_id), "WeChat Work", within=5.0)
        switch_off(hub, hook)
        switch_off(hub, wecom)


def test_deliveries_pending_at_a_stop_go_out_once_from_the_next_server(
    backend: str, server_factory: Callable[..., Server]
) -> None:
    first = server_factory(backend, WEBHOOK_ALLOW_PRIVATE="true", **FAST)
    with fakes.receiver(down_with=503) as erp:
        create_channel(
            first, kind="WEBHOOK", name="ERP", config={"url": erp.url, "secret": erp.secret}
        )
        world = TicketWorld.build(first)
        ticket = world.advance(world.new_ticket(), "ACCEPTED")
        wait_for(lambda: erp.requests > 0, "a first (failed) try")
        first.stop()
        erp.down_with = None
        second = server_factory(
            backend,
            DATABASE_URL=first.database_url,
            SECRET_KEY=first.secret_key,
            WEBHOOK_ALLOW_PRIVATE="true",
            **FAST,
        )
        history = get_ticket(second, second.admin_token, ticket["id"])["history"]
        wait_for(lambda: len(changes_of(erp, ticket["id"])) >= len(history), "the backlog")
        time.sleep(1)
        got = changes_of(erp, ticket["id"])
        assert [d["event"] for d in got] == [h["type"] for h in history]
        assert len({d["delivery"] for d in got}) == len(got)
        second.stop()


def test_a_change_goes_out_at_once_not_at_the_next_poll(
    backend: str, server_factory: Callable[..., Server]
) -> None:
    """The relay tells the deliverer of new events: with a poll of a minute, a ticket's
    creation still reaches the webhook within seconds."""
    slow = server_factory(backend, WEBHOOK_ALLOW_PRIVATE="true", DELIVERY_POLL_SECONDS="60")
    with fakes.receiver() as erp:
        create_channel(
            slow, kind="WEBHOOK", name="ERP", config={"url": erp.url, "secret": erp.secret}
        )
        world = TicketWorld.build(slow)
        ticket = world.new_ticket()
        started = time.monotonic()
        wait_for(lambda: changes_of(erp, ticket["id"]), "TICKET_CREATED", within=10)
        assert time.monotonic() - started < 10
    slow.stop()


def test_only_the_admin_manages_channels_and_private_addresses_are_refused(
    server: Server,
) -> None:
    office = server.make_user("BACK_OFFICE")
    hook = {
        "kind": "WEBHOOK",
        "name": "x",
        "config": {"url": "https://example.com/h", "secret": "s"},
    }
    assert_error(server.gql(CREATE, {"input": hook}, office.token), "FORBIDDEN")
    assert_error(server.gql(CHANNELS, None, office.token), "FORBIDDEN")
    local = {**hook, "config": {"url": "http://127.0.0.1:9/hook", "secret": "s"}}
    assert_error(
        server.gql(CREATE, {"input": local}, server.admin_token),
        "BAD_USER_INPUT",
        field="config.url",
    )
    no_secret = {**hook, "config": {"url": "https://example.com/h"}}
    assert_error(
        server.gql(CREATE, {"input": no_secret}, server.admin_token),
        "BAD_USER_INPUT",
        field="config.secret",
    )
    wrong = {**hook, "config": {"url": "ftp://example.com/h", "secret": "s"}}
    assert_error(
        server.gql(CREATE, {"input": wrong}, server.admin_token),
        "BAD_USER_INPUT",
        field="config.url",
    )
