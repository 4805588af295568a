"""The websocket server protocol: uvicorn's (websockets, sans-I/O) with the changes below,
so that no peer can hold the event loop or a connection, nor put a traceback in the
log (`aftersales serve` passes it to uvicorn as `ws`).

* **Incoming bytes are parsed a slice at a time.** uvicorn hands the parser whatever
  one read returned (up to 256 KiB): from a peer that floods small frames, some 12,000
  messages, parsed (~70 ms here) and queued for the application in one go, which then
  ran them all before anyone else got the loop: other users' requests waited 10 s and
  more. Here at most `SLICE` bytes are parsed per turn of the loop, the next slice only
  once the application has taken the messages of the last, and nothing more is read
  from the socket until the backlog is parsed.
* **The application can close a socket at once** (`CLOSE_NOW` in the scope's
  extensions): uvicorn's close waits until the peer has read what is buffered (for
  ever, from a peer that reads nothing), then keeps parsing what the peer sends for ten
  seconds, waiting for its close frame (a flood goes on costing). Here the close frame
  is written at once, nothing more is parsed, and a peer that has not closed within
  LINGER_SECONDS is cut, its buffers freed, instead of holding them until TCP gives up.
* **A text message that is not UTF-8 closes with 1007**, without uvicorn's traceback.
* **The kernel's send buffer is bounded** (`SEND_BUFFER_BYTES`): a peer that reads
  nothing is noticed (a send waits) after a few hundred KiB, not 4 MiB of kernel memory.
* **A peer that does not answer a ping in time is dropped and the application told.**
  uvicorn sends its close frame behind data the peer is not reading, and tells the
  application nothing: the subscriptions on it ran on, and their next send failed with
  "Unexpected ASGI message 'websocket.send', after sending 'websocket.close'".
"""

from __future__ import annotations

import contextlib
import socket
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from realtime.sockets import CLOSE_NOW

# Bytes parsed per turn of the event loop: ~800 of the smallest frames, ~5 ms at worst.
SLICE = 16 * 1024
# The kernel's send buffer of a websocket: what a peer that reads nothing can hold
# before a send waits (and times out). Linux grows it up to 4 MiB otherwise: 4 MiB of
# kernel memory per stalled subscriber, and the stall noticed only after that much.
SEND_BUFFER_BYTES = 256 * 1024
# After the application's close, how long the peer has to read it and close.
LINGER_SECONDS = 5.0


class WebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._backlog = bytearray()
        self._holding = False  # reading paused by us, for the backlog
        self._slice_waiting = False  # the next slice waits for the application
        self._discarding = False  # refused: incoming bytes are thrown away

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)

    # -- incoming bytes, a slice per turn -----------------------------------------

    def data_received(self, data: bytes) -> None:
        if self._discarding:
            return
        if not self._backlog and len(data) <= SLICE:
            super().data_received(data)
            return
        self._backlog += data
        # Nothing more is read until the backlog is parsed (uvicorn may have resumed
        # reading meanwhile, to wait for a peer's close).
        self.transport.pause_reading()
        if not self._holding:
            self._holding = True
            self._next_slice()

    def _next_slice(self) -> None:
        self._slice_waiting = False
        if self._discarding or self.transport.is_closing():
            self._backlog.clear()
            return
        piece = bytes(self._backlog[:SLICE])
        del self._backlog[:SLICE]
        super().data_received(piece)
        if self._backlog:
            # The next slice on a later turn, once the application has taken these
            # messages: parsing goes no faster than the application reads.
            if self.queue.empty():
                self.loop.call_soon(self._next_slice)
            else:
                self._slice_waiting = True
            return
        self._holding = False
        # Read again unless uvicorn itself waits for the application to take its messages.
        if not self.read_paused and not self.transport.is_closing():
            self.transport.resume_reading()

    def send_receive_event_to_app(self) -> None:
        # uvicorn logs a traceback for a text message that is not UTF-8: a client's
        # mistake, answered with 1007 (invalid data, RFC 6455) and no more.
        if self.curr_msg_data_type == "text" and not self.close_sent:
            try:
                b"".join(self.frames).decode()
            except UnicodeDecodeError:
                self.frames = []
                self.close_now(1007, "Text message is not valid UTF-8")
                return
        super().send_receive_event_to_app()

    async def receive(self) -> Any:
        # uvicorn's, except that a backlog is parsed on before anything more is read.
        message = await self.queue.get()
        if self.queue.empty():
            was_paused, self.read_paused = self.read_paused, False
            if self._slice_waiting:
                self._slice_waiting = False
                self.loop.call_soon(self._next_slice)
            elif was_paused and not self._holding:
                self.transport.resume_reading()
        return message

    # -- the application's close ---------------------------------------------------

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:  # the handshake was accepted: the application runs
            scope["extensions"][CLOSE_NOW] = self.close_now

    def close_now(self, code: int, reason: str) -> None:
        """Closes with `code` at once, whatever the peer reads or sends (see CLOSE_NOW)."""
        if self.close_sent or self.transport.is_closing():
            return
        # The application's receive ends, as after a close through uvicorn's send.
        self.queue.put_nowait({"type": "websocket.disconnect", "code": code, "reason": reason})
        # Behind what is buffered, flow control or not: uvicorn's send would wait for the
        # buffer to drain first, for ever if the peer reads nothing.
        self.conn.send_close(code, reason)
        self._close_and_discard()

    def handle_parser_exception(self) -> None:
        # A frame the parser refuses (over the size limit: 1009; a protocol error:
        # 1002): uvicorn closes the transport at once, with the peer's data unread, and
        # the reset can take the close frame with it. Closed as the application's close.
        assert self.conn.close_sent is not None
        closing = self.conn.close_sent
        self.queue.put_nowait(
            {"type": "websocket.disconnect", "code": closing.code, "reason": closing.reason}
        )
        self._close_and_discard()

    def _close_and_discard(self) -> None:
        """Writes the close frame the connection has queued, then reads and throws away
        what the peer still sends until it closes, or LINGER_SECONDS pass."""
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        # Closing with unread data would reset the connection, and the peer would lose
        # the close frame: what it still sends is read and thrown away, unparsed.
        self._backlog.clear()
        self._discarding = True
        self._holding = False
        self.transport.resume_reading()
        # A peer that closes in time ends it (connection_lost cancels the timer).
        self.close_timer = self.loop.call_later(LINGER_SECONDS, self.transport.abort)

    def keepalive_timeout(self) -> None:
        super().keepalive_timeout()
        # The peer reads nothing: neither the close frame nor what is queued before it.
        # Aborting runs connection_lost, which tells the application (a disconnect).
        self.transport.abort()
