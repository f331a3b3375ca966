"""Bad input that used to slip through: NUL bytes, CRLF line breaks, a language link on a
page a POST rendered."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from survey.models import DraftAnswer
from tests.factories import make_invited


def drafts(session) -> list[DraftAnswer]:
    session.rollback()
    return list(session.scalars(select(DraftAnswer)))


def test_nul_and_control_characters_in_free_text_are_dropped(client, db_session):
    setup = make_invited(db_session)
    text = "Bra\x00 fika\x07 här\u0085"
    result = client.post(f"/r/{setup.token}/q/BG_FRITEXT", data={"answer": "text", "text": text})
    assert result.status_code == 302  # PostgreSQL refused the NUL with a 500 before
    assert [d.text for d in drafts(db_session)] == ["Bra fika här"]


def test_nul_in_a_typed_code_gets_the_easy_read_page(client, db_session):
    result = client.post("/kod", data={"code": "ABCD\x00EFGH"})
    assert result.status_code == 404
    assert "koden" in result.get_data(as_text=True).lower()


def test_nul_in_an_answer_is_refused_and_nothing_is_written(client, db_session):
    setup = make_invited(db_session)
    result = client.post(f"/r/{setup.token}/q/DV_RADD", data={"answer": "aldrig\x00"})
    assert result.status_code == 400
    assert drafts(db_session) == []


def test_2000_characters_with_line_breaks_fit(client, db_session):
    """The textarea counts a line break as one character; the browser sends CRLF."""
    setup = make_invited(db_session)
    lines = ["x" * 99] * 20  # 20 × 99 + 19 line breaks = 1,999 characters for the browser
    text = "\r\n".join(lines) + "y"
    assert len(text.replace("\r\n", "\n")) == 2000
    result = client.post(f"/r/{setup.token}/q/BG_FRITEXT", data={"answer": "text", "text": text})
    assert result.status_code == 302
    [draft] = drafts(db_session)
    assert draft.text == "\n".join(lines) + "y"


def test_too_long_text_says_so_and_keeps_what_was_written(client, db_session):
    setup = make_invited(db_session)
    text = "z" * 2001
    result = client.post(f"/r/{setup.token}/q/BG_FRITEXT", data={"answer": "text", "text": text})
    assert result.status_code == 400
    page = result.get_data(as_text=True)
    assert "för lång" in page
    assert "2000" in page
    assert text in page  # nothing the person wrote is lost
    assert db_session.scalar(select(func.count()).select_from(DraftAnswer)) == 0


def language_links(page: str) -> list[str]:
    return re.findall(r'href="([^"]*lang=en[^"]*)"', page)


def test_language_link_on_a_page_rendered_by_a_post_works(client, db_session):
    refused = client.post("/kod", data={"code": "AAAA-AAAA"})
    assert refused.status_code == 404
    [link] = language_links(refused.get_data(as_text=True))
    assert link.startswith("/?")
    switched = client.get(link.replace("&amp;", "&"))
    assert switched.status_code == 200
    assert 'lang="en"' in switched.get_data(as_text=True)


def test_language_link_keeps_the_page_and_its_arguments(client, db_session):
    setup = make_invited(db_session)
    page = client.get(f"/r/{setup.token}/q/DV_RADD?from=review").get_data(as_text=True)
    [link] = language_links(page)
    link = link.replace("&amp;", "&")
    assert link.startswith(f"/r/{setup.token}/q/DV_RADD?")
    assert "from=review" in link
    assert client.get(link).status_code == 200
