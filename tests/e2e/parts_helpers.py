"""GraphQL documents and small builders for the spare-parts tests.

* `create_part(server, token=None, **fields) -> dict`: a new part (unique part number,
  list price 100, minimum 80, cost 60, threshold 2 unless given; as the administrator
  unless `token`). `create_part_response(...)` gives the raw answer.
* `adjust(server, part_id, quantity, reason="stocktake", token=None) -> response`: raw
  answer of `adjustStock`; `stock_part(server, quantity, **fields)` creates a part and
  gives it opening stock, returning the part.
* `get_part(server, token, part_id) -> dict`: the part with its movements (newest first).
* `issue(server, token, ticket_id, lines, **args) -> response`: raw answer of
  `issuePartsToTicket`; lines are (part id, quantity[, unit price]) tuples.
* `return_from_ticket(server, token, ticket_id, lines) -> response`.
* `engineer_stock(server, token, engineer_id=None) -> list`: {quantity, part {id}}.

Arguments in snake_case or camelCase."""

from __future__ import annotations

from typing import Any

from .client import Client, assert_ok, unique_name

PART = (
    "id partNumber name spec unit brand model onHand alarmThreshold belowAlarm"
    " listPrice costPrice minimumPrice averagePurchasePrice deletedAt"
)
MOVEMENT = (
    "id kind quantity engineerQuantity unitCost onHandAfter at reason"
    " actor { id } engineer { id } ticket { id } purchaseOrderId partSaleId outingRequestId"
)
USAGE = "quantity unitPrice charge underWarranty part { id }"

CREATE_PART = f"mutation M($input: PartInput!) {{ createPart(input: $input) {{ {PART} }} }}"
UPDATE_PART = f"mutation M($id: ID!, $input: PartPatch!) {{ updatePart(id: $id, input: $input) {{ {PART} }} }}"
ADJUST = f"""
mutation M($partId: ID!, $quantity: Int!, $reason: String!) {{
  adjustStock(partId: $partId, quantity: $quantity, reason: $reason) {{ {PART} }}
}}"""
PART_BY_ID = f"""
query Q($id: ID!, $first: Int, $after: String) {{
  part(id: $id) {{ {PART} movements(first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {MOVEMENT} }} }} }}
}}"""
PARTS = f"""
query Q($first: Int, $after: String, $filter: PartFilter) {{
  parts(first: $first, after: $after, filter: $filter) {{
    totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {PART} }}
  }}
}}"""
ISSUE = f"""
mutation M($ticketId: ID!, $lines: [PartLineInput!]!, $expectedVersion: Int,
           $idempotencyKey: String) {{
  issuePartsToTicket(ticketId: $ticketId, lines: $lines, expectedVersion: $expectedVersion,
                     idempotencyKey: $idempotencyKey) {{
    id version status partsCharge partsUsed {{ {USAGE} }}
  }}
}}"""
RETURN_FROM_TICKET = f"""
mutation M($ticketId: ID!, $lines: [ReceiptLineInput!]!) {{
  returnPartsFromTicket(ticketId: $ticketId, lines: $lines) {{
    id version partsCharge partsUsed {{ {USAGE} }}
  }}
}}"""
ENGINEER_STOCK = "query Q($id: ID) { engineerStock(engineerId: $id) { quantity part { id } } }"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def create_part_response(server: Client, token: str | None = None, **fields: Any) -> dict:
    payload: dict[str, Any] = {
        "partNumber": unique_name("P").upper(),
        "name": f"Bearing {unique_name('n')}",
        "unit": "pcs",
        "costPrice": "60.00",
        "listPrice": "100.00",
        "minimumPrice": "80.00",
        "alarmThreshold": 2,
    }
    payload.update({_camel(k): v for k, v in fields.items()})
    return server.gql(CREATE_PART, {"input": payload}, token or server.admin_token)


def create_part(server: Client, token: str | None = None, **fields: Any) -> dict[str, Any]:
    return assert_ok(create_part_response(server, token, **fields))["createPart"]


def adjust(
    server: Client,
    part_id: str,
    quantity: int,
    reason: str = "stocktake",
    token: str | None = None,
) -> dict[str, Any]:
    variables = {"partId": part_id, "quantity": quantity, "reason": reason}
    return server.gql(ADJUST, variables, token or server.admin_token)


def stock_part(server: Client, quantity: int, **fields: Any) -> dict[str, Any]:
    """A new part with `quantity` units of opening stock."""
    part = create_part(server, **fields)
    return assert_ok(adjust(server, part["id"], quantity, "opening stock"))["adjustStock"]


def get_part(
    server: Client, token: str | None, part_id: str, *, first: int = 100
) -> dict[str, Any]:
    variables = {"id": part_id, "first": first}
    return assert_ok(server.gql(PART_BY_ID, variables, token or server.admin_token))["part"]


def list_parts(server: Client, token: str | None, *, first: int = 100, **filter: Any) -> dict:
    variables = {"first": first, "filter": {_camel(k): v for k, v in filter.items()} or None}
    return assert_ok(server.gql(PARTS, variables, token or server.admin_token))["parts"]


def _lines(lines: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    result = []
    for line in lines:
        item: dict[str, Any] = {"partId": line[0], "quantity": line[1]}
        if len(line) > 2:
            item["unitPrice"] = line[2]
        result.append(item)
    return result


def issue(
    server: Client, token: str | None, ticket_id: str, lines: list[tuple[Any, ...]], **args: Any
) -> dict[str, Any]:
    variables = {"ticketId": ticket_id, "lines": _lines(lines)}
    variables.update({_camel(k): v for k, v in args.items()})
    return server.gql(ISSUE, variables, token)


def return_from_ticket(
    server: Client, token: str | None, ticket_id: str, lines: list[tuple[str, int]]
) -> dict[str, Any]:
    variables = {"ticketId": ticket_id, "lines": _lines(lines)}
    return server.gql(RETURN_FROM_TICKET, variables, token)


def engineer_stock(
    server: Client, token: str | None, engineer_id: str | None = None
) -> list[dict[str, Any]]:
    data = assert_ok(server.gql(ENGINEER_STOCK, {"id": engineer_id}, token))
    return data["engineerStock"]
