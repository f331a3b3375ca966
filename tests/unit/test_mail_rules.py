"""The outbox's pure rules: back-off, transient or permanent, what a stored reason may hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from survey.domain import mail_rules as rules


def test_back_off_grows_then_gives_up():
    waits = [rules.backoff(n) for n in range(1, rules.MAX_ATTEMPTS + 1)]
    assert waits[:5] == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=12),
    ]
    assert waits[-1] is None
    now = datetime(2026, 3, 1, tzinfo=UTC)
    assert rules.next_attempt(2, now) == now + timedelta(minutes=5)
    assert rules.next_attempt(rules.MAX_ATTEMPTS, now) is None


@pytest.mark.parametrize(
    ("code", "transient"),
    [(None, True), (421, True), (450, True), (451, True), (452, True), (550, False), (554, False)],
)
def test_4xx_and_no_reply_are_retried_5xx_is_not(code, transient):
    assert rules.is_transient(code) is transient


def test_a_stored_reason_never_holds_an_address_and_is_cut():
    reason = rules.clean_reason(
        550, b"5.1.1 <anna.svensson@kommun.se>: Recipient\r\n address rejected anna@x.se"
    )
    assert reason == "550 5.1.1 <…>: Recipient address rejected <…>"
    long = rules.clean_reason(451, "x" * 1000)
    assert len(long) == rules.REASON_LENGTH
    assert rules.clean_reason(None, "") == ""


@pytest.mark.parametrize(
    ("address", "ok"),
    [
        ("anna@example.se", True),
        ("a.b+c@sub.example.org", True),
        ("inte en adress", False),
        ("anna@localhost", False),
        ("Anna <anna@example.se>", False),
        ("anna@example.se\r\nBcc: x@y.se", False),
        ("", False),
        (None, False),
        ("a" * 250 + "@x.se", False),
    ],
)
def test_looks_like_address(address, ok):
    assert rules.looks_like_address(address) is ok


@pytest.mark.parametrize(
    "text",
    [
        "Daglig verksamhet",
        "Dagliga verksamheter 2",
        "Gruppbostäderna",
        "Servicebostad Tallen",
        "Boendestöd Söder",
        "LSS-enheten",
        "Om SoL",
        "Funktionsnedsättning",
        "Enkät om ditt boende",
        "Brukarenkät",
    ],
)
def test_telling_words_are_found(text):
    assert rules.names_help(text)


@pytest.mark.parametrize(
    "text",
    [
        "Vad tycker du? Svara på några frågor",
        "Påminnelse: vad tycker du?",
        "What do you think? Answer a few questions",
        "Reminder: what do you think?",
        "Solna stad",
        "Hägersten-Älvsjö stadsdelsförvaltning",
        "Exempelkommunen",
    ],
)
def test_neutral_words_pass(text):
    assert not rules.names_help(text)
