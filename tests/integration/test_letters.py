"""`flask --app survey letters`: a page per invitation whose text holds its code and whose QR
code decodes to its personal link; code cards; names files paired and never stored."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from survey.clock import local_today
from survey.domain.tokens import format_code
from survey.links import respondent_link
from survey.models import AuditEvent, Invitation, Round
from survey.operations.invitations import issue_invitation
from tests.factories import make_round, make_unit
from tests.support.letters import page_qr_codes, page_texts

VAXT = "Förvaltningen/Enheten/Växtverket"
CAFE = "Förvaltningen/Enheten/Caféet"


def letters_round(db_session, **overrides) -> Round:  # type: ignore[no-untyped-def]
    units = [make_unit(db_session, VAXT), make_unit(db_session, CAFE)]
    round_ = make_round(db_session, units=units, code="DV-BREV", **overrides)
    db_session.commit()
    return round_


def invite(db_session, round_: Round, path: str, n: int = 1, **kw) -> list[Invitation]:  # type: ignore[no-untyped-def]
    unit = next(u for u in round_.units if u.path() == path)
    made = [issue_invitation(db_session, round_, unit, **kw) for _ in range(n)]
    db_session.commit()
    return [db_session.get(Invitation, m.invitation_id) for m in made]


def letters(runner, tmp_path: Path, *args: str, ok: bool = True):  # type: ignore[no-untyped-def]
    out = tmp_path / "brev.pdf"
    result = runner.invoke(args=["letters", "--round", "DV-BREV", "-o", str(out), *args])
    if ok:
        assert result.exit_code == 0, result.output
        return out.read_bytes(), result
    assert result.exit_code == 1, result.output
    assert not out.exists()
    return None, result


def write(tmp_path: Path, text: str, name: str = "namn.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_letter_holds_its_code_and_its_qr_code_decodes_to_its_link(
    app, runner, db_session, tmp_path
) -> None:
    round_ = letters_round(db_session)
    made = invite(db_session, round_, VAXT, 3, gender="kvinna") + invite(
        db_session, round_, CAFE, 2, gender="man"
    )
    data, result = letters(runner, tmp_path)
    assert "5 letters" in result.output
    texts = page_texts(data)
    qr = page_qr_codes(data)
    # Unit path order: Caféet before Växtverket, then by id.
    expected = sorted(made, key=lambda i: (i.unit.path(), i.id))
    assert len(texts) == len(expected) == len(qr)
    for text, codes, invitation in zip(texts, qr, expected, strict=True):
        assert format_code(invitation.short_code) in text
        assert codes == [respondent_link(invitation.token)]
        assert "Hej!" in text
        assert "Svara senast" in text
        assert "Du väljer själv om du vill svara. Ingen får veta vad du svarade." in text
        assert "Fråga personalen." in text  # no help contact given
    # Marked handed out, by letter, today; audited without names.
    db_session.expire_all()
    for invitation in made:
        assert invitation.handed_out_on == local_today()
        assert invitation.channel == "letter"
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "invitations.letters"))
    assert event.detail["round"] == "DV-BREV"
    assert event.detail["count"] == 5


def test_answered_withdrawn_and_kiosk_invitations_get_no_letter(
    app, runner, db_session, tmp_path
) -> None:
    round_ = letters_round(db_session, help_contact="Ring Anna, 08-123 45 67")
    keep, answered, withdrawn, kiosk, started = invite(db_session, round_, VAXT, 5)
    answered.status = "submitted"
    withdrawn.status = "withdrawn"
    kiosk.channel, kiosk.handed_out_on = "kiosk", local_today()
    started.status = "started"
    db_session.commit()
    data, _ = letters(runner, tmp_path, "--unit", VAXT)
    texts = page_texts(data)
    assert len(texts) == 2
    assert format_code(keep.short_code) in texts[0]
    assert format_code(started.short_code) in texts[1]
    assert "Ring Anna, 08-123 45 67" in texts[0]
    db_session.expire_all()
    assert kiosk.channel == "kiosk"  # a kiosk's claim is never taken over


def test_a_unit_limits_the_letters_to_its_subtree(app, runner, db_session, tmp_path) -> None:
    round_ = letters_round(db_session)
    cafe = invite(db_session, round_, CAFE, 2)
    invite(db_session, round_, VAXT, 3)
    data, _ = letters(runner, tmp_path, "--unit", CAFE)
    texts = page_texts(data)
    assert [format_code(i.short_code) in t for i, t in zip(cafe, texts, strict=True)] == [True] * 2
    data, _ = letters(runner, tmp_path, "--unit", "Förvaltningen/Enheten")
    assert len(page_texts(data)) == 5


def test_code_cards_are_eight_a_page_and_every_qr_code_decodes(
    app, runner, db_session, tmp_path
) -> None:
    round_ = letters_round(db_session)
    made = invite(db_session, round_, VAXT, 10)
    data, result = letters(runner, tmp_path, "--cards", "--language", "en")
    assert "10 code cards" in result.output
    texts = page_texts(data)
    qr = page_qr_codes(data)
    assert [len(codes) for codes in qr] == [8, 2]
    by_id = sorted(made, key=lambda i: i.id)
    for page, (text, codes) in enumerate(zip(texts, qr, strict=True)):
        on_page = by_id[page * 8 : page * 8 + 8]
        assert sorted(codes) == sorted(respondent_link(i.token) for i in on_page)
        for invitation in on_page:
            assert format_code(invitation.short_code) in text
        assert "Your code" in text
        assert "Växtverket" not in text  # no unit, no insats on a card
    db_session.expire_all()
    assert {i.channel for i in made} == {"letter"}


def test_a_round_with_nothing_to_print_is_a_one_line_error(
    app, runner, db_session, tmp_path
) -> None:
    round_ = letters_round(db_session)
    (answered,) = invite(db_session, round_, VAXT)
    answered.status = "submitted"
    db_session.commit()
    _, result = letters(runner, tmp_path, ok=False)
    assert result.output.count("\n") == 1
    assert "has no invitation to print" in result.output
    _, result = letters(runner, tmp_path, "--unit", "Nowhere/At all", ok=False)
    assert "no unit 'Nowhere/At all'" in result.output
    result = runner.invoke(args=["letters", "--round", "NOPE", "-o", str(tmp_path / "x.pdf")])
    assert result.exit_code == 1
    assert "no round" in result.output


def test_the_letter_text_is_easy_to_read_and_names_no_insats_in_the_window(app) -> None:
    from flask_babel import force_locale

    from survey.domain.readability import lix_of_texts, without
    from survey.i18n import document_language
    from survey.reports.letters_pdf import LetterRound, letter_texts

    for survey_type, service in (
        ("dv", "din dagliga verksamhet"),
        ("bo", "ditt boende"),
        ("bs", "ditt boendestöd"),
    ):
        round_ = LetterRound(
            survey_type, "Kommunen", "", date(2026, 3, 1), date(2026, 3, 15), "enkat.kommun.se"
        )
        with app.test_request_context(), force_locale("sv"):
            texts = letter_texts(round_, document_language("sv"))
        body = [without(t, [service, "enkat.kommun.se"]) for t in texts.body()]
        assert lix_of_texts(body) <= 30, (survey_type, lix_of_texts(body))
        assert service in texts.title
        # The window shows the address only: nothing of the letter sits above the fold there.
        assert "LSS" not in " ".join(texts.body())


NAMES_HEADER = "Enhet,Kön,Namn,c/o,Gatuadress,Postnummer,Postort"
PEOPLE = [
    (VAXT, "kvinna", "Astrid Lindqvist", "", "Storgatan 12 lgh 1101", "123 45", "Stockholm"),
    (VAXT, "kvinna", "Britta Ökvist", "Gruppbostaden", "Lärkvägen 3", "12346", "Hägersten"),
    (CAFE, "man", "Ceasar Åström", "", "Tallvägen 7 B", "125 30", "Älvsjö"),
]


def names_csv(rows) -> str:  # type: ignore[no-untyped-def]
    return NAMES_HEADER + "\n" + "\n".join(",".join(row) for row in rows) + "\n"


def test_a_names_file_fills_the_window_and_pairs_each_person_with_the_same_code_twice(
    app, runner, db_session, tmp_path
) -> None:
    round_ = letters_round(db_session)
    women = invite(db_session, round_, VAXT, 3, gender="kvinna")
    (man,) = invite(db_session, round_, CAFE, 1, gender="man")
    path = write(tmp_path, names_csv(PEOPLE))
    data, result = letters(runner, tmp_path, "--names", str(path))
    assert "3 letters" in result.output
    texts = page_texts(data)
    qr = page_qr_codes(data)
    # File order; each row paired with its kind's invitations in id order.
    partners = [women[0], women[1], man]
    for text, codes, person, invitation in zip(texts, qr, PEOPLE, partners, strict=True):
        assert person[2] in text
        assert f"{person[5][:3]} {person[5][-2:]} {person[6]}" in text
        assert format_code(invitation.short_code) in text
        assert codes == [respondent_link(invitation.token)]
    assert "c/o Gruppbostaden" in texts[1]
    # The same file again: the same code for the same person, though now handed out.
    again, _ = letters(runner, tmp_path, "--names", str(path))
    assert [t.split("Hej!")[1] for t in page_texts(again)] == [t.split("Hej!")[1] for t in texts]
    # Someone answered: their row is skipped, the others keep their codes.
    db_session.expire_all()
    women[0].status = "submitted"
    db_session.commit()
    third, result = letters(runner, tmp_path, "--names", str(path))
    assert "2 letters" in result.output
    assert "1 rows skipped" in result.output
    assert format_code(women[1].short_code) in page_texts(third)[0]
    assert women[2].handed_out_on is None


def test_bad_rows_of_a_names_file_are_one_line_each_and_nothing_is_printed(
    app, runner, db_session, tmp_path
) -> None:
    round_ = letters_round(db_session)
    invite(db_session, round_, VAXT, 2, gender="kvinna")
    rows = [
        (VAXT, "kvinna", "Astrid Lindqvist", "", "Storgatan 12", "1234", "Stockholm"),
        (VAXT, "kvinna", "", "", "Lärkvägen 3", "123 46", "Hägersten"),
        (VAXT, "kvinna", "Åsa Lång", "", "W" * 45, "123 47", ""),
        (VAXT, "man", "Bo Ek", "", "Tallvägen 7", "125 30", "Älvsjö"),
    ]
    path = write(tmp_path, names_csv(rows))
    _, result = letters(runner, tmp_path, "--names", str(path), ok=False)
    lines = result.output.strip().splitlines()
    assert f"{path}:2:Postnummer: The postal code is not five digits." in lines[0]
    assert any(line.startswith(f"{path}:3:Namn: The name is missing.") for line in lines)
    assert any(line.startswith(f"{path}:4:Gatuadress: The line is too long") for line in lines)
    assert any(line.startswith(f"{path}:4:Postort: The town") for line in lines)
    assert not any("Astrid" in line or "Storgatan" in line for line in lines)
    db_session.expire_all()
    assert db_session.scalar(select(Invitation.handed_out_on).limit(1)) is None
    # Every row good, but one row has no invitation of its kind (no man was invited).
    path = write(tmp_path, names_csv([PEOPLE[0], rows[3]]))
    _, result = letters(runner, tmp_path, "--names", str(path), ok=False)
    assert f"{path}:3: There is no invitation left" in result.output


@pytest.mark.parametrize(
    "header",
    [
        "unit,gender,name,address,postal code,city",
        "Verksamhet,Kön,Förnamn,Efternamn,Adress,Postnr,Ort",
    ],
)
def test_english_and_swedish_headers_are_read(app, runner, db_session, tmp_path, header) -> None:
    round_ = letters_round(db_session)
    invite(db_session, round_, VAXT, 1, gender="kvinna")
    names = ["Astrid Lindqvist"] if "name" in header else ["Astrid", "Lindqvist"]
    row = [VAXT, "kvinna", *names, "Storgatan 12", "12345", "Stockholm"]
    path = write(tmp_path, header + "\n" + ",".join(row) + "\n")
    data, _ = letters(runner, tmp_path, "--names", str(path))
    (text,) = page_texts(data)
    assert "Astrid Lindqvist Storgatan 12 123 45 Stockholm" in text


def test_a_names_file_without_a_name_column_is_refused(app, runner, db_session, tmp_path):
    round_ = letters_round(db_session)
    invite(db_session, round_, VAXT, 1, gender="kvinna")
    path = write(tmp_path, f"unit,gender\n{VAXT},kvinna\n")
    _, result = letters(runner, tmp_path, "--names", str(path), ok=False)
    assert "name" in result.output
    assert result.output.count("\n") == 1


def test_the_pdf_is_a4_in_swedish_with_embedded_fonts(app, runner, db_session, tmp_path):
    round_ = letters_round(db_session, closes_on=local_today() + timedelta(days=20))
    invite(db_session, round_, VAXT, 1)
    data, _ = letters(runner, tmp_path)
    reader = PdfReader(__import__("io").BytesIO(data))
    assert reader.trailer["/Root"]["/Lang"] == "sv"
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        assert "/FontFile2" in font.get_object()["/FontDescriptor"].get_object()
