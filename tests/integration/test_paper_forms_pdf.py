"""Printable paper forms (`flask --app survey paper form`, and the staff page): every question
of the round's bank, the code on every page of a personalised form, the keys staff type,
A4 with embedded fonts, title and language; page 1 is not blank (pdftoppm)."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from survey.domain.question_banks import load_bank
from survey.domain.tokens import format_code
from survey.models import Invitation, Round
from survey.operations.invitations import issue_invitation
from survey.operations.rounds import close_round
from survey.queries.paper_forms import paper_document
from survey.reports.paper_pdf import PaperForm, pages_per_form
from tests.factories import make_round, make_staff, make_unit, sign_in


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


def pages_of(data: bytes) -> list[str]:
    return [squash(page.extract_text() or "") for page in PdfReader(io.BytesIO(data)).pages]


@pytest.fixture
def world(db_session):
    vaxt = make_unit(db_session, "F/E1/Växtverket")
    atelje = make_unit(db_session, "F/E1/Ateljén")
    cafe = make_unit(db_session, "F/E2/Caféet")
    round_ = make_round(
        db_session,
        units=[vaxt, atelje, cafe],
        code="DV-PRINT",
    )
    issued = [
        issue_invitation(db_session, round_, vaxt, gender="kvinna"),
        issue_invitation(db_session, round_, vaxt),
        issue_invitation(db_session, round_, atelje, gender="man"),
        issue_invitation(db_session, round_, cafe, gender="man"),
    ]
    answered = issue_invitation(db_session, round_, vaxt, gender="man")
    db_session.execute(
        Invitation.__table__.update()
        .where(Invitation.id == answered.invitation_id)
        .values(status="submitted")
    )
    db_session.commit()
    return round_, issued, answered


def run(runner, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(args=["paper", "form", *args])


def cli_pdf(runner, tmp_path: Path, *args: str) -> bytes:  # type: ignore[no-untyped-def]
    out = tmp_path / "forms.pdf"
    result = run(runner, "--round", "DV-PRINT", *args, "-o", str(out))
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def test_a_blank_form_has_every_question_the_keys_and_an_empty_code_box(
    runner, db_session, world, tmp_path
):
    round_, _issued, _answered = world
    round_.help_contact = "Ring Anna Svensson, 08-123 45 67"
    db_session.commit()
    data = cli_pdf(runner, tmp_path, "--blank")
    pages = pages_of(data)
    bank = load_bank(round_.survey_type, round_.bank_version)
    document = paper_document(round_, [PaperForm(None)])
    assert len(pages) == pages_per_form(document, PaperForm(None))
    text = " ".join(pages)
    for number, question in enumerate(bank.questions, 1):
        assert squash(question.text["sv"]) in text, question.code
        assert f"Fråga {number}" in text
    for background in ("Är du en kvinna eller en man?", "Vem gav svaren på de här frågorna?"):
        assert background in text
    assert "Vem var det som hjälpte dig?" in text
    assert "Vill du säga något mer?" in text  # the round asks for free text
    assert "Jag svarade med hjälp av någon" in text
    # The cover: who asks, voluntary, secret, how to return it and by when.
    cover = pages[0]
    assert cover.startswith("En enkät till dig Från Testkommunen")
    assert "Du bestämmer själv om du vill svara." in cover
    assert "Ingen får veta vad du svarar." in cover
    assert "Lägg formuläret i kuvertet" in cover
    assert f"Svara senast {round_.closes_on.day}" in cover
    assert "Har du frågor om enkäten? Ring Anna Svensson, 08-123 45 67" in cover
    # Every page: an empty code box (no code), and its page number.
    for index, page in enumerate(pages, 1):
        assert "Kod:" in page
        assert not re.search(r"Kod: [A-Z0-9]{4}-[A-Z0-9]{4}", page)
        assert f"Sida {index} av {len(pages)}" in page
    # The keys staff type, in scale order, "Jag vet inte" = 0.
    first_question = pages[1]
    assert re.search(r"Aldrig 1 Ibland 2 Ofta 3 Jag vet inte 0", first_question), first_question


def test_personal_forms_carry_their_code_on_every_page(runner, db_session, world, tmp_path):
    round_, issued, answered = world
    data = cli_pdf(runner, tmp_path, "--unit", "F/E1")
    pages = pages_of(data)
    document = paper_document(round_, [])
    # The unused invitations under F/E1 (not the answered one, not Caféet's), in unit order.
    wanted = [issued[2], issued[0], issued[1]]  # Ateljén before Växtverket
    plans = [PaperForm(item.short_code, ask_gender=item is issued[1]) for item in wanted]
    assert len(pages) == sum(pages_per_form(document, form) for form in plans)
    start = 0
    for form in plans:
        count = pages_per_form(document, form)
        shown = format_code(form.code)
        for page in pages[start : start + count]:
            assert f"Kod: {shown}" in page
        # Gender is asked only on the form of the invitation the list gave no gender.
        asks_gender = any(
            "Är du en kvinna eller en man?" in p for p in pages[start : start + count]
        )
        assert asks_gender == form.ask_gender
        start += count
    text = " ".join(pages)
    assert format_code(answered.short_code) not in text
    assert format_code(issued[3].short_code) not in text
    assert "Koden längst ner på sidorna visar bara att du har svarat." in pages[0]


def test_the_pdf_is_a4_with_title_language_and_embedded_fonts(runner, db_session, world, tmp_path):
    data = cli_pdf(runner, tmp_path)
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.title == "Enkät på papper, " + str(world[0].period)
    assert reader.trailer["/Root"]["/Lang"] == "sv"
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    fonts: set[str] = set()

    def collect(resources) -> None:  # type: ignore[no-untyped-def]
        resources = resources.get_object()
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            fonts.add(str(font["/BaseFont"]))
            assert "/FontFile2" in font["/FontDescriptor"].get_object(), font["/BaseFont"]
        for xobject in (resources.get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if "/Resources" in xobject:
                collect(xobject["/Resources"])

    for page in reader.pages:
        collect(page["/Resources"])
    assert fonts
    assert all("DejaVuSans" in name for name in fonts), fonts


def test_page_one_is_not_blank(runner, db_session, world, tmp_path) -> None:
    cli_pdf(runner, tmp_path, "--blank")
    out = tmp_path / "forms.pdf"
    grey = subprocess.run(
        ["pdftoppm", "-gray", "-r", "40", "-f", "1", "-l", "1", str(out)],
        capture_output=True,
        check=True,
    ).stdout
    # A PGM: header, then one byte per pixel; a page with text has dark pixels.
    pixels = grey.split(b"\n", 3)[3]
    assert sum(1 for value in pixels if value < 128) > 500


def test_english(runner, db_session, world, tmp_path) -> None:
    round_ = world[0]
    bank = load_bank(round_.survey_type, round_.bank_version)
    text = " ".join(pages_of(cli_pdf(runner, tmp_path, "--blank", "--language", "en")))
    assert text.startswith("A survey for you")
    for question in bank.questions:
        assert squash(question.text["en"]) in text
    assert "Code:" in text
    assert "I don't know 0" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--round", "NOPE"], "no round with the code 'NOPE'"),
        (["--round", "DV-PRINT", "--unit", "F/Nope"], "no open unit with the path 'F/Nope'"),
        (["--round", "DV-PRINT", "--blank", "--unit", "F/E1"], "--blank prints one form"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    runner, db_session, world, tmp_path, args, message
):
    out = tmp_path / "forms.pdf"
    result = run(runner, *args, "-o", str(out))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert message in lines[0]
    assert not out.exists()


def test_nothing_to_print_and_a_closed_round(runner, db_session, world, tmp_path):
    round_, issued, _answered = world
    out = tmp_path / "forms.pdf"
    db_session.execute(
        Invitation.__table__.update()
        .where(Invitation.id == issued[3].invitation_id)
        .values(status="submitted")
    )
    db_session.commit()
    result = run(runner, "--round", "DV-PRINT", "--unit", "F/E2", "-o", str(out))
    assert result.exit_code == 1
    assert "still to be handed out" in result.output
    close_round(db_session, db_session.get(Round, round_.id), round_.closes_on)
    db_session.commit()
    result = run(runner, "--round", "DV-PRINT", "-o", str(out))
    assert result.exit_code == 1
    assert "is closed" in result.output
    assert not out.exists()
    # A blank form of a closed round can still be printed (for the archive).
    assert run(runner, "--round", "DV-PRINT", "--blank", "-o", str(out)).exit_code == 0


def test_the_staff_page_prints_blank_and_personal_forms_in_scope(client, db_session, world):
    round_, issued, _answered = world
    e1 = db_session.scalar(
        select(Invitation.org_node_id).where(Invitation.id == issued[0].invitation_id)
    )
    enhet = db_session.get(type(round_.units[0]), e1).parent
    make_staff(db_session, grants=[("handlaggare", enhet)])
    sign_in(client)
    page = client.get("/personal/omgangar/DV-PRINT/pappersenkater/utskrift")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "F/E1/Växtverket (2 inte utdelade)" in html
    assert "Caféet" not in html  # outside the person's units
    blank = client.get("/personal/omgangar/DV-PRINT/pappersenkater/utskrift/tomt.pdf?sprak=en")
    assert blank.status_code == 200
    assert blank.mimetype == "application/pdf"
    assert "A survey for you" in pages_of(blank.data)[0]
    personal = client.post(
        "/personal/omgangar/DV-PRINT/pappersenkater/utskrift",
        data={"unit": enhet.id, "language": "sv"},
    )
    assert personal.status_code == 200
    assert personal.mimetype == "application/pdf"
    text = " ".join(pages_of(personal.data))
    for item in issued[:3]:
        assert format_code(item.short_code) in text
    assert format_code(issued[3].short_code) not in text
    cafe_id = db_session.scalar(
        select(Invitation.org_node_id).where(Invitation.id == issued[3].invitation_id)
    )
    refused = client.post(
        "/personal/omgangar/DV-PRINT/pappersenkater/utskrift",
        data={"unit": cafe_id, "language": "sv"},
    )
    assert refused.status_code == 400


def test_printing_hands_the_forms_out_once_and_a_reprint_prints_them_again(
    runner, db_session, world, tmp_path
):
    round_, issued, _answered = world
    # One code went out in a letter: it belongs to someone, no form is printed for it.
    db_session.execute(
        Invitation.__table__.update()
        .where(Invitation.id == issued[1].invitation_id)
        .values(handed_out_on=round_.opens_on, channel="letter")
    )
    db_session.commit()
    text = " ".join(pages_of(cli_pdf(runner, tmp_path, "--unit", "F/E1")))
    assert format_code(issued[0].short_code) in text
    assert format_code(issued[1].short_code) not in text
    db_session.rollback()
    printed = db_session.get(Invitation, issued[0].invitation_id)
    assert printed.handed_out_on is not None
    assert printed.channel == "paper"
    letter = db_session.get(Invitation, issued[1].invitation_id)
    assert letter.channel == "letter"
    # A second print has nothing left; --reprint gives the printed, unanswered forms again.
    out = tmp_path / "again.pdf"
    again = run(runner, "--round", "DV-PRINT", "--unit", "F/E1", "-o", str(out))
    assert again.exit_code == 1
    reprint = " ".join(pages_of(cli_pdf(runner, tmp_path, "--unit", "F/E1", "--reprint")))
    assert format_code(issued[0].short_code) in reprint
    assert format_code(issued[2].short_code) in reprint
    assert format_code(issued[1].short_code) not in reprint
