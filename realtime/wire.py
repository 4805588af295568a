"""What goes on the websocket: live results encoded once, sent to many.

Subscribers who share one execution of an event (schema.root.EventScopedExecutor)
receive the very same result object; only the operation id differs between their
`next` messages. The result is encoded to JSON once and spliced into each message,
instead of once per subscriber.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

# Results of the latest events; each entry holds its result, so the id it is keyed by
# cannot be reused while the entry lives.
REMEMBERED = 256
RESULT_MESSAGES = frozenset({"next", "data"})  # graphql-transport-ws, legacy graphql-ws


class ResultEncoder:
    def __init__(self, dumps: Callable[[object], str], size: int = REMEMBERED) -> None:
        # `dumps`: the view's own JSON encoding, so messages look as they always do.
        self._dumps = dumps
        self._size = size
        self._encoded: OrderedDict[int, tuple[object, str]] = OrderedDict()

    def encode(self, message: object) -> str:
        """`message` as JSON, reusing the encoding of a result payload seen before."""
        if not isinstance(message, dict) or message.get("type") not in RESULT_MESSAGES:
            return self._dumps(message)
        payload = message.get("payload")
        if set(message) != {"id", "type", "payload"} or not isinstance(payload, dict):
            return self._dumps(message)
        data = payload.get("data")
        if set(payload) != {"data"} or not isinstance(data, dict):
            return self._dumps(message)  # errors or extensions: as they are
        key = id(data)
        entry = self._encoded.get(key)
        if entry is not None and entry[0] is data:
            self._encoded.move_to_end(key)
            encoded = entry[1]
        else:
            encoded = self._dumps(data)
            self._encoded[key] = (data, encoded)
            if len(self._encoded) > self._size:
                self._encoded.popitem(last=False)
        return (
            f'{{"id":{self._dumps(message["id"])},"type":{self._dumps(message["type"])},'
            f'"payload":{{"data":{encoded}}}}}'
        )
