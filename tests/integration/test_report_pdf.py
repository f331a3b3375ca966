"""`flask --app survey report pdf`: unit reports whose numbers are the indicators' JSON.

Each PDF's text is extracted (pypdf) and every figure of the unit's rows is looked for in it,
as the report prints it; page 1 is rendered (pdftoppm) and must not be blank; withheld
values (the true counts behind a "–") appear in no PDF.
"""

from __future__ import annotations

import errno
import io
import os
import re
import stat
import subprocess
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from survey.clock import local_now
from survey.models import Round
from survey.queries.indicators import round_figures
from survey.queries.report_files import ReportBuilder
from tests.integration.test_indicators_cli import (
    ENHET,
    VAXT,
    golden_round,
    indicators,
    last_periods_round,
    org,
    paper,
    run,
)

ATELJE = "Stadsdelen/Dagliga verksamheter 2/Ateljén"
HEADER = "unit,gender,answered_by,bestallare,DV_NOJD,DV_TRIVS,DV_RADD"


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


def cell_text(cell: dict, language: str = "sv") -> str:  # type: ignore[type-arg]
    """How the report prints a published cell: "89 % (85 av 95)"."""
    of = "av" if language == "sv" else "of"
    sign = " %" if language == "sv" else "%"
    percent = (200 * cell["positive"] + cell["valid"]) // (2 * cell["valid"])
    return f"{percent}{sign} ({cell['positive']} {of} {cell['valid']})"


def pdf(runner, tmp_path: Path, unit: str, *more: str) -> bytes:  # type: ignore[no-untyped-def]
    out = tmp_path / "unit.pdf"
    run(runner, "report", "pdf", "--round", "DV-2026", "--unit", unit, "-o", str(out), *more)
    return out.read_bytes()


def with_atelje(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The golden round plus three answers at Ateljén: too few to show, so withheld."""
    golden_round(runner, tmp_path)
    rows = [
        f"{ATELJE},man,sjalv,Beställarna/Norr,ja,ja,aldrig",
        f"{ATELJE},kvinna,sjalv,Beställarna/Söder,ja,nej,ofta",
        f"{ATELJE},kvinna,sjalv,Beställarna/Söder,nej,nej,ibland",
    ]
    paper(runner, tmp_path, "DV-2026", rows, HEADER)


def test_every_number_of_a_unit_is_in_its_pdf(runner, db_session, tmp_path) -> None:
    golden_round(runner, tmp_path)
    document = indicators(runner, "--round", "DV-2026", "--unit", VAXT)
    text = text_of(pdf(runner, tmp_path, VAXT))
    assert "89 % (85 av 95)" in text
    assert "85 % (34 av 40)" in text
    assert "93 % (51 av 55)" in text
    assert "95 brukare av 177 har svarat, 54 % svarsfrekvens" in text
    # The Analys starter text, as on the dashboard.
    assert "Analys: förslag till text" in text
    assert "I Växtverket har totalt 95 brukare av 177 svarat på brukarundersökningen" in text
    published = 0
    for entry in document["rows"]:
        if entry["unit"] != VAXT:
            continue
        assert entry["name"] in text
        for gender in ("total", "men", "women"):
            cell = entry[gender]
            if cell["suppressed"]:
                assert "– färre än 5 svar" in text
            else:
                assert cell_text(cell) in text, (entry["indicator"], gender)
                published += 1
        for option, count in (entry["distribution"] or {}).items():
            assert f" {count} " in text, (entry["indicator"], option)
    assert published >= 10
    rate = next(r for r in document["response_rates"] if r["unit"] == VAXT)
    assert f"{rate['men']['responded']} av {rate['men']['invited']}" in text


def test_the_pdf_is_a4_with_title_language_outline_and_fonts(runner, db_session, tmp_path):
    golden_round(runner, tmp_path)
    reader = PdfReader(io.BytesIO(pdf(runner, tmp_path, VAXT)))
    assert reader.metadata.title == "Brukarundersökning 2026: Växtverket"
    assert reader.trailer["/Root"]["/Lang"] == "sv"
    outline = [entry.title for entry in reader.outline if not isinstance(entry, list)]
    assert outline[:2] == ["Växtverket", "Indikatorer"]
    assert "Metod" in outline
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts.add(str(font["/BaseFont"]))
            # Every font embedded (a font file in its descriptor): å, ä, ö print everywhere.
            assert "/FontFile2" in font["/FontDescriptor"].get_object(), font["/BaseFont"]
    assert any("DejaVuSans" in name for name in fonts)
    assert "Växtverket" in text_of(pdf(runner, tmp_path, VAXT))


def test_page_one_is_not_blank(runner, db_session, tmp_path) -> None:
    golden_round(runner, tmp_path)
    out = tmp_path / "unit.pdf"
    out.write_bytes(pdf(runner, tmp_path, VAXT))
    image = subprocess.run(
        ["pdftoppm", "-gray", "-r", "40", "-f", "1", "-l", "1", str(out)],
        check=True,
        capture_output=True,
    ).stdout
    # A binary PGM: "P5\n<w> <h>\n255\n" then one byte per pixel.
    header, _, pixels = image.partition(b"\n255\n")
    width, height = (int(n) for n in header.split()[1:3])
    assert len(pixels) == width * height
    dark = sum(1 for value in pixels if value < 128)
    assert dark > 0.005 * width * height, dark


def test_withheld_values_appear_in_no_pdf(runner, db_session, tmp_path) -> None:
    with_atelje(runner, tmp_path)
    document = indicators(runner, "--round", "DV-2026")
    atelje = next(r for r in document["rows"] if r["unit"] == ATELJE and r["indicator"] == "nojd")
    assert atelje["total"]["suppressed"] is True
    # The true figures behind every withheld cell, from the same computation without a
    # threshold (never shown anywhere): 2 of 3 at Ateljén, and what protects it.
    round_ = db_session.scalar(select(Round).where(Round.code == "DV-2026"))
    bare = round_figures(db_session, round_, threshold=1)
    out = tmp_path / "all.zip"
    run(runner, "report", "pdf", "--round", "DV-2026", "--all", "-o", str(out))
    with zipfile.ZipFile(out) as archive:
        texts = {
            name: text_of(archive.read(name)) for name in archive.namelist() if name.endswith("pdf")
        }
    paths = {node.id: node.path for node in bare.trees["utforare"].values()}
    hidden = []
    for entry in document["rows"]:
        for gender, cell in ((g, entry[g]) for g in ("total", "men", "women")):
            if not cell["suppressed"]:
                continue
            item = next(i for i in bare.figures.items if i.key == entry["indicator"])
            node = next(n for n, p in paths.items() if p == entry["unit"])
            true = bare.figures.row("utforare", node, item).__getattribute__(gender)
            if true.suppressed or not true.valid:
                continue
            hidden.append(f"({true.positive} av {true.valid})")
    assert "(2 av 3)" in hidden
    # A withheld value may equal a published one of another cell by chance (34 of 34 men
    # here and there); that is no disclosure, and the LP attacker tests cover derivability.
    published = {
        f"({c['positive']} av {c['valid']})"
        for entry in [*document["rows"], *document["installation"]["rows"]]
        for c in (entry["total"], entry["men"], entry["women"])
        if not c["suppressed"]
    }
    hidden = [value for value in hidden if value not in published]
    assert "(2 av 3)" in hidden
    for name, text in texts.items():
        for value in hidden:
            assert value not in text, (name, value)


def test_all_units_into_a_zip_with_the_rounds_workbook(runner, db_session, tmp_path) -> None:
    with_atelje(runner, tmp_path)
    document = indicators(runner, "--round", "DV-2026")
    out = tmp_path / "round.zip"
    result = run(runner, "report", "pdf", "--round", "DV-2026", "--all", "-o", str(out))
    units = sorted({r["unit"] for r in document["rows"]})
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        pdfs = [n for n in names if n.endswith(".pdf")]
        assert len(pdfs) == len(units) + 1  # and the whole organisation
        assert pdfs[0] == "DV-2026-utforare/000 Hela organisationen.pdf"
        for unit in units:
            expected = unit.replace("/", " – ")
            assert any(name.endswith(f" {expected}.pdf") for name in pdfs), unit
        for name in pdfs:
            reader = PdfReader(io.BytesIO(archive.read(name)))
            assert len(reader.pages) >= 2
        # Every PDF carries every published figure of its unit's rows, as the JSON has them.
        by_unit: dict[str, list[dict]] = {}  # type: ignore[type-arg]
        for entry in document["rows"]:
            by_unit.setdefault(entry["unit"], []).append(entry)
        for unit, entries in [*by_unit.items(), ("", document["installation"]["rows"])]:
            name = (
                pdfs[0]
                if not unit
                else next(n for n in pdfs if n.endswith(f" {unit.replace('/', ' – ')}.pdf"))
            )
            unit_text = text_of(archive.read(name))
            for entry in entries:
                for gender in ("total", "men", "women"):
                    cell = entry[gender]
                    if not cell["suppressed"] and cell["valid"]:
                        assert cell_text(cell) in unit_text, (unit, entry["indicator"], gender)
        enhet = next(n for n in pdfs if n.endswith(ENHET.replace("/", " – ") + ".pdf"))
        text = text_of(archive.read(enhet))
        # A unit with units below lists them.
        for expected in ("Enheter under", "Ateljén", "Växtverket"):
            assert expected in text
        workbook = load_workbook(
            io.BytesIO(archive.read("DV-2026-utforare/indikatorer-DV-2026-utforare.xlsx"))
        )
        assert workbook.sheetnames
    assert f"{len(units) + 1} PDF" in result.output


def test_all_units_into_a_folder(runner, db_session, tmp_path) -> None:
    golden_round(runner, tmp_path)
    out = tmp_path / "reports"
    run(runner, "report", "pdf", "--round", "DV-2026", "--all", "-o", str(out))
    files = sorted(p.name for p in out.iterdir())
    assert files[0] == "000 Hela organisationen.pdf"
    assert any(name.endswith("Växtverket.pdf") for name in files)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_an_open_round_is_marked_preliminary_and_a_unit_without_answers_says_so(
    runner, db_session, tmp_path
) -> None:
    golden_round(runner, tmp_path)
    round_ = db_session.scalar(select(Round).where(Round.code == "DV-2026"))
    assert not round_.is_closed
    text = text_of(pdf(runner, tmp_path, ATELJE))
    assert f"Preliminära resultat: omgången är öppen till {round_.closes_on.isoformat()}" in text
    assert "Ingen i enheten har svarat än" in text
    assert "– färre än 5 svar" in text


def test_english(runner, db_session, tmp_path) -> None:
    golden_round(runner, tmp_path)
    text = text_of(pdf(runner, tmp_path, VAXT, "--language", "en"))
    assert "89% (85 of 95)" in text
    assert "Response rate" in text
    assert "95 people of 177 have answered, 54% response rate" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--round", "NOPE", "--unit", VAXT], "no round with the code 'NOPE'"),
        (["--round", "DV-2026", "--unit", "Stadsdelen/Finns inte"], "no unit"),
        (["--round", "DV-2026"], "give either --unit PATH or --all"),
        (["--round", "DV-2026", "--unit", VAXT, "--all"], "give either --unit PATH or --all"),
        (["--round", "DV-2026", "--unit", "Stadsdelen/Boende 1/Solrosen"], "does not cover"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(runner, db_session, tmp_path, args, message):
    golden_round(runner, tmp_path)
    out = tmp_path / "out" / "x.pdf"
    out.parent.mkdir()
    result = runner.invoke(args=["report", "pdf", *args, "-o", str(out)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert message in lines[0]
    assert "Traceback" not in result.output
    assert list(out.parent.iterdir()) == []


def test_an_output_that_cannot_be_written(runner, db_session, tmp_path) -> None:
    golden_round(runner, tmp_path)
    missing = tmp_path / "no-such-folder" / "x.pdf"
    result = runner.invoke(
        args=["report", "pdf", "--round", "DV-2026", "--unit", VAXT, "-o", str(missing)]
    )
    assert result.exit_code == 1
    assert "does not exist" in result.output
    zip_in_missing = tmp_path / "no-such-folder" / "x.zip"
    result = runner.invoke(
        args=["report", "pdf", "--round", "DV-2026", "--all", "-o", str(zip_in_missing)]
    )
    assert result.exit_code == 1
    assert "does not exist" in result.output.splitlines()[-1]
    assert not (tmp_path / "no-such-folder").exists()


def test_org_without_round_answers(runner, db_session, tmp_path) -> None:
    """A round nobody has answered yet: every PDF is made, and honest."""
    org(runner, tmp_path)
    run(runner, "rounds", "create", "--code", "DV-2026", "--survey", "dv", "--period", "2026")
    out = tmp_path / "round.zip"
    run(runner, "report", "pdf", "--round", "DV-2026", "--all", "-o", str(out))
    with zipfile.ZipFile(out) as archive:
        pdfs = [n for n in archive.namelist() if n.endswith(".pdf")]
        assert pdfs
        for name in pdfs:
            assert "Ingen i enheten har svarat än" in text_of(archive.read(name))


def test_a_bestallare_units_report(runner, db_session, tmp_path) -> None:
    """The beställare hierarchy: Norr granted the insats of the 40 men who answered."""
    golden_round(runner, tmp_path)
    text = text_of(pdf(runner, tmp_path, "Beställarna/Norr", "--by", "bestallare"))
    assert "Redovisas efter beställare" in text
    assert "85 % (34 av 40)" in text
    out = tmp_path / "b.zip"
    run(
        runner, "report", "pdf", "--round", "DV-2026", "--all", "--by", "bestallare", "-o", str(out)
    )
    with zipfile.ZipFile(out) as archive:
        names = [n for n in archive.namelist() if n.endswith(".pdf")]
    assert any(n.endswith("Beställarna – Söder.pdf") for n in names)


def test_one_decimal_as_a_report_setting(runner, db_session, tmp_path) -> None:
    from flask_babel import force_locale

    from survey.clock import local_today
    from survey.i18n import document_language
    from survey.queries.report_files import ReportBuilder
    from survey.settings import Settings

    assert Settings.from_env(env={"REPORT_DECIMALS": "1", "SECRET_KEY": "x"}).report_decimals == 1
    with pytest.raises(ValueError, match="REPORT_DECIMALS must be 0 or 1"):
        Settings.from_env(env={"REPORT_DECIMALS": "2", "SECRET_KEY": "x"})
    golden_round(runner, tmp_path)
    round_ = db_session.scalar(select(Round).where(Round.code == "DV-2026"))
    report = round_figures(db_session, round_, threshold=5)
    node = next(n.id for n in report.trees["utforare"].values() if n.path == VAXT)
    with force_locale("sv"):
        builder = ReportBuilder(
            db_session,
            report,
            by="utforare",
            lang=document_language("sv"),
            today=local_today(),
            decimals=1,
        )
        text = text_of(builder.pdf(node))
    assert "89,5 % (85 av 95)" in text
    assert "92,7 % (51 av 55)" in text


def test_a_question_row_says_which_answer_its_figure_counts(runner, db_session, tmp_path):
    """ "Rädd 82 %" would read backwards: the figure is the share answering "Aldrig"."""
    golden_round(runner, tmp_path)
    label = "Rädd (andel som svarar ”Aldrig”)"
    assert label in text_of(pdf(runner, tmp_path, VAXT))
    xlsx = tmp_path / "ind.xlsx"
    run(runner, "indicators", "--round", "DV-2026", "--format", "xlsx", "-o", str(xlsx))
    sheet = load_workbook(xlsx)["Verksamhet"]
    assert label in {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    csv_text = run(runner, "indicators", "--round", "DV-2026", "--format", "csv").stdout
    assert f";{label};Fråga;" in csv_text
    english = text_of(pdf(runner, tmp_path, VAXT, "--language", "en"))
    assert "Afraid (share answering “Never”)" in english


def test_a_closed_round_with_answers_but_no_invitation_list(runner, db_session, tmp_path):
    """Paper forms without invitations: answers, no response rate, and no "yet"."""
    org(runner, tmp_path)
    last_periods_round(runner, tmp_path, [f"{VAXT},man,sjalv,,ja,ja,aldrig"] * 6, HEADER)
    out = tmp_path / "old.pdf"
    run(runner, "report", "pdf", "--round", "DV-2025", "--unit", VAXT, "-o", str(out))
    text = text_of(out.read_bytes())
    assert "6 har svarat (ingen inbjudningslista, så ingen svarsfrekvens)" in text
    assert "6 personer har svarat. Omgången har ingen inbjudningslista för Växtverket" in text
    assert "bjudits in" not in text
    assert "reliminär" not in text
    run(runner, "report", "pdf", "--round", "DV-2025", "--unit", ATELJE, "-o", str(out))
    text = text_of(out.read_bytes())
    assert "Ingen i den här enheten svarade, så rapporten har inga resultat att visa." in text
    assert not re.search(r"svarat än\b|\bännu\b", text)


def test_a_round_past_its_last_day_but_not_closed(runner, db_session, tmp_path) -> None:
    org(runner, tmp_path)
    run(runner, "rounds", "create", "--code", "DV-2026", "--survey", "dv", "--period", "2026",
        "--opens", "2026-01-01", "--closes", "2026-01-31")  # fmt: skip
    paper(runner, tmp_path, "DV-2026", [f"{VAXT},man,sjalv,,ja,ja,aldrig"] * 6, HEADER)
    text = text_of(pdf(runner, tmp_path, VAXT))
    assert "Preliminära resultat: sista svarsdagen var 2026-01-31, men omgången är inte stängd" in (
        text
    )
    assert "öppen till" not in text
    csv_text = run(runner, "indicators", "--round", "DV-2026", "--format", "csv").stdout
    lines = csv_text.strip().splitlines()[1:]
    assert lines
    assert all("Preliminära resultat: sista svarsdagen var 2026-01-31" in line for line in lines)


@pytest.mark.parametrize(
    ("args", "name", "message"),
    [
        (["--all"], "round.pdf", "--all writes a folder or a ZIP"),
        (["--all"], "round.xlsx", "--all writes a folder or a ZIP"),
        (["--unit", VAXT], "unit.zip", "--unit writes one PDF"),
    ],
)
def test_an_output_name_of_the_wrong_kind_is_refused(
    runner, db_session, tmp_path, args, name, message
):
    """`--all -o round.pdf` would make a folder called round.pdf; `--unit -o x.zip` a PDF
    called x.zip. Both are refused before anything is made."""
    golden_round(runner, tmp_path)
    folder = tmp_path / "out"
    folder.mkdir()
    result = runner.invoke(
        args=["report", "pdf", "--round", "DV-2026", *args, "-o", str(folder / name)]
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        line for line in result.output.strip().splitlines() if message in line
    ]
    assert list(folder.iterdir()) == []


def test_a_link_or_a_pipe_is_not_replaced(runner, db_session, tmp_path) -> None:
    """Renaming a new file over a link replaces the link (not the file it points to), and over
    a pipe or a device replaces the pipe or device itself: both are refused, left as they were."""
    golden_round(runner, tmp_path)
    target = tmp_path / "target.pdf"
    target.write_bytes(b"earlier")
    link = tmp_path / "link.pdf"
    link.symlink_to(target)
    pipe = tmp_path / "pipe.pdf"
    os.mkfifo(pipe)
    for output, message in [(link, "symbolic link"), (pipe, "not a plain file")]:
        result = runner.invoke(
            args=["report", "pdf", "--round", "DV-2026", "--unit", VAXT, "-o", str(output)]
        )
        assert result.exit_code == 1
        assert message in result.output.strip().splitlines()[-1]
    assert link.is_symlink()
    assert target.read_bytes() == b"earlier"
    assert stat.S_ISFIFO(pipe.lstat().st_mode)
    zip_link = tmp_path / "round.zip"
    zip_link.symlink_to(target)
    result = runner.invoke(
        args=["report", "pdf", "--round", "DV-2026", "--all", "-o", str(zip_link)]
    )
    assert result.exit_code == 1
    assert "symbolic link" in result.output
    assert zip_link.is_symlink()
    assert target.read_bytes() == b"earlier"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def failing_after(count: int, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """ReportBuilder.pdf fails on its (count + 1)th call, as a full disk or a bug would."""
    made = 0
    original = ReportBuilder.pdf

    def pdf(self, node_id):  # type: ignore[no-untyped-def]
        nonlocal made
        made += 1
        if made > count:
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(self, node_id)

    monkeypatch.setattr(ReportBuilder, "pdf", pdf)


def test_a_folder_is_written_whole_or_not_at_all(runner, db_session, tmp_path, monkeypatch):
    """A failure after some PDFs leaves no new folder, an existing folder as it was, and no
    hidden half-made folder beside or in it."""
    golden_round(runner, tmp_path)
    failing_after(2, monkeypatch)
    new = tmp_path / "new"
    result = runner.invoke(args=["report", "pdf", "--round", "DV-2026", "--all", "-o", str(new)])
    assert result.exit_code == 1
    assert "No space left on device" in result.output.strip().splitlines()[-1]
    assert "Traceback" not in result.output
    assert not new.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    existing = tmp_path / "existing"
    existing.mkdir()
    (existing / "000 Hela organisationen.pdf").write_bytes(b"last year's")
    result = runner.invoke(
        args=["report", "pdf", "--round", "DV-2026", "--all", "-o", str(existing)]
    )
    assert result.exit_code == 1
    assert sorted(p.name for p in existing.iterdir()) == ["000 Hela organisationen.pdf"]
    assert (existing / "000 Hela organisationen.pdf").read_bytes() == b"last year's"
    monkeypatch.undo()
    run(runner, "report", "pdf", "--round", "DV-2026", "--all", "-o", str(existing))
    assert (existing / "000 Hela organisationen.pdf").read_bytes().startswith(b"%PDF")
    assert oct(stat.S_IMODE((existing / "000 Hela organisationen.pdf").stat().st_mode)) == oct(
        0o666 & ~current_umask()
    )


def current_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def test_no_progress_bar_off_a_terminal_and_zip_times_are_swedish(runner, db_session, tmp_path):
    """Off a terminal (a log, cron) the command prints only its last line; the ZIP's files
    carry Swedish local time, which is what a person unpacking it expects (a ZIP has no zone)."""
    golden_round(runner, tmp_path)
    out = tmp_path / "round.zip"
    before = local_now().replace(tzinfo=None, microsecond=0) - timedelta(seconds=2)
    result = run(runner, "report", "pdf", "--round", "DV-2026", "--all", "-o", str(out))
    after = local_now().replace(tzinfo=None) + timedelta(seconds=2)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].endswith(f"PDF → {out}")
    with zipfile.ZipFile(out) as archive:
        for info in archive.infolist():
            made = datetime(*info.date_time)  # noqa: DTZ001 (a ZIP's time has no zone)
            assert before <= made <= after, (info.filename, info.date_time)
            assert info.compress_type == zipfile.ZIP_DEFLATED
