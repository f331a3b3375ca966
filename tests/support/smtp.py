"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, on a free port (TESTING.md).

`Mailbox.messages` holds what it accepted, parsed. Behaviour per test: `refuse` maps an
address to a reply for RCPT ("550 5.1.1 <x@y>: user unknown"), `defer_first` makes the
first n messages' RCPT answer 451, `data_delay` makes the server wait before its "250" to
DATA (after it has stored the message), so a worker can be killed while it waits;
`rcpt_delay` makes it wait before answering RCPT (before any message is on its way).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Mailbox:
    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    defer_first: int = 0
    data_delay: float = 0.0
    rcpt_delay: float = 0.0
    rcpt_seen: int = 0
    #: RCPT commands that arrived (counted before `rcpt_delay`).
    rcpt_started: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    # aiosmtpd handler hooks
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        with self.lock:
            self.rcpt_started += 1
        if self.rcpt_delay:
            time.sleep(self.rcpt_delay)
        with self.lock:
            self.rcpt_seen += 1
            deferred = self.rcpt_seen <= self.defer_first
        if address in self.refuse:
            return self.refuse[address]
        if deferred:
            return "451 4.7.1 Greylisted, please try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        if self.data_delay:
            time.sleep(self.data_delay)  # blocks the loop: one slow server, on purpose
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]) for m in self.messages]


@contextmanager
def smtp_server(**behaviour: object) -> Iterator[Mailbox]:
    mailbox = Mailbox(**behaviour)  # type: ignore[arg-type]
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    mailbox.port = port
    try:
        yield mailbox
    finally:
        controller.stop()


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connection refused)."""
    return free_port()
