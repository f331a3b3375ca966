"""`flask --app survey indicators` end to end: from imported lists and paper forms (SPEC §4, §7).

The golden row is the seed report's: "Andel brukare som är nöjd med sin insats — 89 % (85 av
95), män 85 %, kvinnor 93 %; 95 brukare av 177 har svarat (54 %)".
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from survey.models import Round

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "indicators.schema.json").read_text()
)
VAXT = "Stadsdelen/Dagliga verksamheter 2/Växtverket"
ENHET = "Stadsdelen/Dagliga verksamheter 2"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(runner, *args: str):  # type: ignore[no-untyped-def]
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result


def org(runner, tmp_path: Path, extra: str = "") -> None:
    path = write(
        tmp_path,
        "org.csv",
        "path,insats,tree\n"
        f"{VAXT},daglig_verksamhet,\n"
        "Stadsdelen/Dagliga verksamheter 2/Ateljén,daglig_verksamhet,\n"
        "Stadsdelen/Boende 1/Solrosen,gruppbostad,\n"
        "Stadsdelen/Boendestöd/Stödet,boendestod,\n"
        "Beställarna/Norr,,bestallare\n"
        "Beställarna/Söder,,bestallare\n" + extra,
    )
    run(runner, "org", "import", str(path))


def invitations(
    runner, tmp_path: Path, code: str, unit: str, men: int, women: int, **more: int
) -> None:
    lines = ["unit,gender,bestallare"]
    lines += [f"{unit},man,Beställarna/Norr"] * men
    lines += [f"{unit},kvinna,Beställarna/Söder"] * women
    for gender, count in more.items():
        lines += [f"{unit},{gender},"] * count
    path = write(tmp_path, f"inv-{code}.csv", "\n".join(lines) + "\n")
    run(runner, "invitations", "import", "--round", code, str(path))


def paper(runner, tmp_path: Path, code: str, rows: list[str], header: str) -> None:
    path = write(tmp_path, f"paper-{code}-{len(rows)}.csv", header + "\n" + "\n".join(rows) + "\n")
    result = runner.invoke(args=["responses", "import", "--round", code, str(path)])
    assert result.exit_code == 0, result.output


def indicators(runner, *args: str) -> dict:  # type: ignore[type-arg]
    result = run(runner, "indicators", *args, "--format", "json")
    document = json.loads(result.stdout)
    jsonschema.validate(document, SCHEMA)
    return document


def row(document: dict, unit: str, key: str) -> dict:  # type: ignore[type-arg]
    found = [r for r in document["rows"] if r["unit"] == unit and r["indicator"] == key]
    assert len(found) == 1, (unit, key, [r["unit"] for r in document["rows"]][:10])
    return found[0]


def rate(document: dict, unit: str) -> dict:  # type: ignore[type-arg]
    return next(r for r in document["response_rates"] if r["unit"] == unit)


def last_periods_round(runner, tmp_path: Path, rows: list[str], header: str) -> None:
    """DV-2025, the previous period: these paper forms, then closed."""
    run(
        runner,
        "rounds",
        "create",
        "--code",
        "DV-2025",
        "--survey",
        "dv",
        "--period",
        "2025",
        "--opens",
        "2025-10-01",
        "--closes",
        "2099-12-31",
    )
    paper(runner, tmp_path, "DV-2025", rows, header)
    run(runner, "rounds", "close", "DV-2025")


def golden_round(runner, tmp_path: Path) -> None:
    org(runner, tmp_path)
    run(runner, "rounds", "create", "--code", "DV-2026", "--survey", "dv", "--period", "2026")
    invitations(runner, tmp_path, "DV-2026", VAXT, men=80, women=97)
    header = "unit,gender,answered_by,bestallare,DV_NOJD,DV_TRIVS,DV_RADD"
    rows = (
        [f"{VAXT},man,sjalv,Beställarna/Norr,ja,ja,aldrig"] * 34
        + [f"{VAXT},man,med_hjalp,Beställarna/Norr,nej,vet_inte,"] * 6
        + [f"{VAXT},kvinna,sjalv,Beställarna/Söder,ja,ibland,ofta"] * 51
        + [f"{VAXT},kvinna,sjalv,Beställarna/Söder,ibland,,aldrig"] * 4
    )
    paper(runner, tmp_path, "DV-2026", rows, header)


def test_the_golden_row(runner, db_session, tmp_path) -> None:
    golden_round(runner, tmp_path)
    document = indicators(runner, "--round", "DV-2026")
    nojd = row(document, VAXT, "nojd")
    assert nojd["name"] == "Andel brukare som är nöjd med sin insats"
    assert (nojd["total"]["positive"], nojd["total"]["valid"]) == (85, 95)
    assert (nojd["men"]["positive"], nojd["men"]["valid"]) == (34, 40)
    assert (nojd["women"]["positive"], nojd["women"]["valid"]) == (51, 55)
    assert round(nojd["total"]["percent"]) == 89
    assert round(nojd["men"]["percent"]) == 85
    assert round(nojd["women"]["percent"]) == 93
    assert nojd["total"]["small_n"] is False
    assert nojd["total"]["ci_low"] < 89 < nojd["total"]["ci_high"]
    assert nojd["previous"] is None
    assert nojd["arsmal"] is None
    assert nojd["kf_arsmal"] is None
    # Rolled up from counts: the enhet has the same answers (Ateljén has none).
    assert row(document, ENHET, "nojd")["total"]["positive"] == 85
    atelje = row(document, "Stadsdelen/Dagliga verksamheter 2/Ateljén", "nojd")
    assert atelje["total"]["suppressed"] is True
    assert atelje["total"]["percent"] is None
    assert rate(document, VAXT)["invited"] == 177
    assert rate(document, VAXT)["responded"] == 95
    assert round(rate(document, VAXT)["percent"]) == 54
    assert rate(document, VAXT)["men"] == {"invited": 80, "responded": 40, "percent": 50.0}
    # "Vet inte" and skipped are not valid: DV_TRIVS has 34 + 51 + 0 valid answers.
    trivs = row(document, VAXT, "DV_TRIVS")
    assert trivs["kind"] == "question"
    assert trivs["area"] == "trivsel"
    assert (trivs["total"]["positive"], trivs["total"]["valid"]) == (34, 85)
    assert trivs["distribution"] == {"ja": 34, "ibland": 51, "nej": 0}
    # The aio scale: "aldrig" is positive (ej_diskriminering uses DV_SAMRE; DV_RADD here).
    radd = row(document, VAXT, "DV_RADD")
    assert (radd["total"]["positive"], radd["total"]["valid"]) == (38, 89)
    # The installation as a whole.
    whole = next(r for r in document["installation"]["rows"] if r["indicator"] == "nojd")
    assert whole["total"]["positive"] == 85
    assert document["installation"]["invited"] == 177


def test_every_unit_at_every_level_appears(runner, db_session, tmp_path) -> None:
    golden_round(runner, tmp_path)
    document = indicators(runner, "--round", "DV-2026")
    units = {r["unit"] for r in document["rows"]}
    assert {"Stadsdelen", ENHET, VAXT, "Stadsdelen/Dagliga verksamheter 2/Ateljén"} <= units
    keys = {r["indicator"] for r in document["rows"] if r["unit"] == VAXT}
    # dv feeds five of the seven indicators; every question appears on its own too.
    assert {"nojd", "bemotande", "paverka", "ej_diskriminering", "valmojlighet"} <= keys
    assert "trygghet_boende" not in keys
    assert "battre_situation" not in keys
    assert {"DV_NOJD", "DV_TRIVS", "DV_SAMRE"} <= keys
    only = indicators(runner, "--round", "DV-2026", "--unit", VAXT)
    assert {r["unit"] for r in only["rows"]} == {VAXT}


def test_by_bestallare(runner, db_session, tmp_path) -> None:
    golden_round(runner, tmp_path)
    document = indicators(runner, "--round", "DV-2026", "--by", "bestallare")
    assert document["by"] == "bestallare"
    norr = row(document, "Beställarna/Norr", "nojd")
    assert (norr["total"]["positive"], norr["total"]["valid"]) == (34, 40)
    assert norr["women"]["suppressed"] is True  # no women there
    soder = row(document, "Beställarna/Söder", "nojd")
    assert (soder["total"]["positive"], soder["total"]["valid"]) == (51, 55)
    assert rate(document, "Beställarna")["invited"] == 177


def test_csv_for_swedish_excel(runner, db_session, tmp_path) -> None:
    golden_round(runner, tmp_path)
    out = tmp_path / "ind.csv"
    run(runner, "indicators", "--round", "DV-2026", "--format", "csv", "-o", str(out))
    data = out.read_bytes()
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    header, *lines = text.split("\r\n")
    assert header.startswith("Enhet;Nivå;Indikator;Typ;Periodens utfall (%)")
    line = next(ln for ln in lines if ln.startswith(f"{VAXT};") and "nöjd med sin insats" in ln)
    fields = line.split(";")
    assert fields[4:13] == ["89", "85", "95", "85", "34", "40", "93", "51", "55"]
    assert fields[-4:-1] == ["177", "95", "54"]


def test_xlsx_in_the_annual_report_columns(runner, db_session, tmp_path) -> None:
    golden_round(runner, tmp_path)
    out = tmp_path / "ind.xlsx"
    run(runner, "indicators", "--round", "DV-2026", "--format", "xlsx", "-o", str(out))
    book = load_workbook(io.BytesIO(out.read_bytes()))
    # One sheet per level, the whole organisation, then the response rates.
    assert book.sheetnames == [
        "Förvaltning",
        "Enhet",
        "Verksamhet",
        "Hela organisationen",
        "Svarsfrekvens",
    ]
    sheet = book["Verksamhet"]
    header = [c.value for c in sheet[1]][:9]
    assert header == [
        "Enhet",
        "Indikator",
        "Periodens utfall",
        "Utfall män",
        "Utfall kvinnor",
        "Utfall föregående period",
        "Årsmål",
        "KF:s årsmål",
        "Period",
    ]
    found = next(
        r for r in sheet.iter_rows(min_row=2) if r[0].value == VAXT and "nöjd" in r[1].value
    )
    assert found[2].value == pytest.approx(85 / 95)
    assert found[2].number_format == "0%"
    assert found[3].value == pytest.approx(34 / 40)
    assert found[8].value == 2026
    atelje = next(r for r in sheet.iter_rows(min_row=2) if r[0].value.endswith("Ateljén"))
    assert atelje[2].value == "–"
    assert "färre än 5 svar" in atelje[2].comment.text
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width == 60
    assert [c.value for c in sheet[1]][-1] == "Analys"
    assert found[-1].value.startswith("I Växtverket har totalt 95 brukare av 177 svarat")


def test_proxy_answers_are_left_out_unless_the_round_counts_them(
    runner, db_session, tmp_path
) -> None:
    golden_round(runner, tmp_path)
    header = "unit,gender,answered_by,DV_NOJD"
    paper(runner, tmp_path, "DV-2026", [f"{VAXT},kvinna,annan,nej"] * 7, header)
    document = indicators(runner, "--round", "DV-2026")
    nojd = row(document, VAXT, "nojd")
    assert (nojd["total"]["positive"], nojd["total"]["valid"]) == (85, 95)
    assert rate(document, VAXT)["responded"] == 102  # they did respond
    round_ = db_session.scalar(select(Round).where(Round.code == "DV-2026"))
    round_.include_proxy_answers = True
    db_session.commit()
    counted = indicators(runner, "--round", "DV-2026")
    assert counted["include_proxy_answers"] is True
    nojd = row(counted, VAXT, "nojd")
    assert (nojd["total"]["positive"], nojd["total"]["valid"]) == (85, 102)


def test_a_round_with_no_answers_is_an_honest_empty_table(runner, db_session, tmp_path) -> None:
    org(runner, tmp_path)
    run(runner, "rounds", "create", "--code", "DV-TOM", "--survey", "dv", "--period", "2026")
    invitations(runner, tmp_path, "DV-TOM", VAXT, men=3, women=4)
    document = indicators(runner, "--round", "DV-TOM")
    assert document["rows"]
    assert all(r["total"]["suppressed"] for r in document["rows"])
    assert rate(document, VAXT) == {
        "unit": VAXT,
        "level": "verksamhet",
        "invited": 7,
        "responded": 0,
        "percent": 0.0,
        "men": {"invited": 3, "responded": 0, "percent": 0.0},
        "women": {"invited": 4, "responded": 0, "percent": 0.0},
    }
    atelje = rate(document, "Stadsdelen/Dagliga verksamheter 2/Ateljén")
    assert atelje["invited"] == 0
    assert atelje["percent"] is None
    csv_out = run(runner, "indicators", "--round", "DV-TOM", "--format", "csv").stdout
    assert "–" in csv_out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--round", "NOPE"], "no round with the code 'NOPE'"),
        (["--round", "DV-2026", "--unit", "Stadsdelen/Finns inte"], "no unit"),
        (["--round", "DV-2026", "--unit", "Stadsdelen/Boende 1"], "does not cover"),
        (["--round", "DV-2026", "--by", "nagon"], "Invalid value for '--by'"),
    ],
)
def test_bad_input_gets_one_line(runner, db_session, tmp_path, args, words) -> None:
    golden_round(runner, tmp_path)
    result = runner.invoke(args=["indicators", *args, "--format", "json"])
    assert result.exit_code != 0
    assert words in result.output
    assert "Traceback" not in result.output


def test_an_output_path_that_cannot_be_written(runner, db_session, tmp_path) -> None:
    golden_round(runner, tmp_path)
    target = tmp_path / "saknas" / "ind.json"
    result = runner.invoke(
        args=["indicators", "--round", "DV-2026", "--format", "json", "-o", str(target)]
    )
    assert result.exit_code == 1
    assert "does not exist" in result.output
    assert not target.exists()


def test_a_round_of_each_survey_type(runner, db_session, tmp_path) -> None:
    org(runner, tmp_path)
    run(runner, "rounds", "create", "--code", "BO-2026", "--survey", "bo", "--period", "2026")
    run(runner, "rounds", "create", "--code", "BS-2026", "--survey", "bs", "--period", "2026")
    solrosen = "Stadsdelen/Boende 1/Solrosen"
    stodet = "Stadsdelen/Boendestöd/Stödet"
    paper(
        runner,
        tmp_path,
        "BO-2026",
        [f"{solrosen},kvinna,sjalv,ja,ja"] * 6 + [f"{solrosen},man,sjalv,nej,ja"] * 6,
        "unit,gender,answered_by,BO_TRYGG_HEMMA,BO_NOJD",
    )
    paper(
        runner,
        tmp_path,
        "BS-2026",
        [f"{stodet},kvinna,sjalv,battre"] * 5
        + [f"{stodet},man,sjalv,samre"] * 5
        + [f"{stodet},man,sjalv,ingen_skillnad"] * 2,
        "unit,gender,answered_by,BS_BATTRE",
    )
    bo = indicators(runner, "--round", "BO-2026")
    trygg = row(bo, solrosen, "trygghet_boende")
    assert trygg["name"] == "Brukarens upplevelse av trygghet - LSS-boende"
    assert (trygg["total"]["positive"], trygg["total"]["valid"]) == (6, 12)
    assert (trygg["women"]["positive"], trygg["men"]["positive"]) == (6, 0)
    bs = indicators(runner, "--round", "BS-2026")
    battre = row(bs, stodet, "battre_situation")
    assert (battre["total"]["positive"], battre["total"]["valid"]) == (5, 12)
    assert (battre["men"]["positive"], battre["men"]["valid"]) == (0, 7)
    assert {r["indicator"] for r in bs["rows"] if r["kind"] == "indicator"} == {
        "nojd",
        "bemotande",
        "paverka",
        "ej_diskriminering",
        "battre_situation",
        "valmojlighet",
    }


def test_targets_appear_inherited_and_text_kept(runner, db_session, tmp_path) -> None:
    golden_round(runner, tmp_path)
    targets = write(
        tmp_path,
        "mal.csv",
        "indicator,unit,period,arsmal,kf_arsmal\n"
        f"nojd,{ENHET},2026,85,80\n"
        f"paverka,{VAXT},2026,Tas fram av nämnd,\n",
    )
    run(runner, "targets", "import", str(targets))
    document = indicators(runner, "--round", "DV-2026")
    nojd = row(document, VAXT, "nojd")
    assert (nojd["arsmal"], nojd["kf_arsmal"]) == (85, 80)  # from the enhet above
    paverka = row(document, VAXT, "paverka")
    assert paverka["arsmal"] == "Tas fram av nämnd"
    assert paverka["kf_arsmal"] is None  # missing is empty, not 0
    assert row(document, "Stadsdelen", "nojd")["arsmal"] is None
    assert row(document, VAXT, "DV_TRIVS")["arsmal"] is None  # questions have no targets
    out = tmp_path / "ind.csv"
    run(runner, "indicators", "--round", "DV-2026", "--format", "csv", "-o", str(out))
    line = next(
        ln
        for ln in out.read_bytes().decode("utf-8-sig").split("\r\n")
        if ln.startswith(f"{VAXT};") and "påverka" in ln
    )
    assert ";Tas fram av nämnd;;2026;" in line


def test_previous_period_across_a_split_and_a_merge(runner, db_session, tmp_path) -> None:
    from datetime import date

    from survey.models import OrgNode
    from survey.operations.organisation import find_node_by_path, merge_nodes, split_node

    org(
        runner,
        tmp_path,
        extra=(
            "Stadsdelen/Dagliga verksamheter 2/Snickeriet,daglig_verksamhet,\n"
            "Stadsdelen/Dagliga verksamheter 2/Caféet,daglig_verksamhet,\n"
        ),
    )
    enhet = "Stadsdelen/Dagliga verksamheter 2"
    header = "unit,gender,answered_by,DV_NOJD"
    rows = (
        [f"{enhet}/Växtverket,kvinna,sjalv,ja"] * 8
        + [f"{enhet}/Växtverket,man,sjalv,nej"] * 4
        + [f"{enhet}/Snickeriet,man,sjalv,ja"] * 9
        + [f"{enhet}/Snickeriet,kvinna,sjalv,nej"] * 3
        + [f"{enhet}/Caféet,kvinna,sjalv,ja"] * 6
        + [f"{enhet}/Ateljén,man,sjalv,ja"] * 10
    )
    last_periods_round(runner, tmp_path, rows, header)
    on = date(2026, 1, 1)
    vaxt = find_node_by_path(db_session, f"{enhet}/Växtverket")
    split_node(
        db_session,
        vaxt,
        [("Växtverket Odling", "daglig_verksamhet"), ("Växtverket Butik", "daglig_verksamhet")],
        on,
    )
    merge_nodes(
        db_session,
        [
            find_node_by_path(db_session, f"{enhet}/Snickeriet"),
            find_node_by_path(db_session, f"{enhet}/Caféet"),
        ],
        "Snickeriet och Caféet",
        on,
        insats_code="daglig_verksamhet",
    )
    atelje = find_node_by_path(db_session, f"{enhet}/Ateljén")
    atelje.name = "Ateljén Färg"  # a plain rename keeps the node
    db_session.commit()
    assert db_session.query(OrgNode).count() > 0
    run(runner, "rounds", "create", "--code", "DV-2026", "--survey", "dv", "--period", "2026")
    paper(
        runner,
        tmp_path,
        "DV-2026",
        [f"{enhet}/Växtverket Odling,kvinna,sjalv,ja"] * 12
        + [f"{enhet}/Snickeriet och Caféet,man,sjalv,ja"] * 12,
        header,
    )
    document = indicators(runner, "--round", "DV-2026")
    assert document["previous_period"] == 2025
    odling = row(document, f"{enhet}/Växtverket Odling", "nojd")["previous"]
    butik = row(document, f"{enhet}/Växtverket Butik", "nojd")["previous"]
    assert (odling["positive"], odling["valid"]) == (8, 12)  # the whole of last year's Växtverket
    assert butik == odling
    merged = row(document, f"{enhet}/Snickeriet och Caféet", "nojd")["previous"]
    assert (merged["positive"], merged["valid"]) == (15, 18)  # Snickeriet + Caféet
    renamed = row(document, f"{enhet}/Ateljén Färg", "nojd")["previous"]
    assert (renamed["positive"], renamed["valid"]) == (10, 10)
    whole = row(document, enhet, "nojd")["previous"]
    assert (whole["positive"], whole["valid"]) == (33, 40)


def test_one_indicator_or_question(runner, db_session, tmp_path) -> None:
    golden_round(runner, tmp_path)
    document = indicators(runner, "--round", "DV-2026", "--indicator", "nojd")
    assert {r["indicator"] for r in document["rows"]} == {"nojd"}
    assert {r["indicator"] for r in document["installation"]["rows"]} == {"nojd"}
    both = indicators(
        runner, "--round", "DV-2026", "--indicator", "nojd", "--indicator", "DV_TRIVS"
    )
    assert {r["indicator"] for r in both["rows"]} == {"nojd", "DV_TRIVS"}
    result = runner.invoke(
        args=["indicators", "--round", "DV-2026", "--indicator", "trygghet_boende"]
    )
    assert result.exit_code == 1
    assert "no indicator or question 'trygghet_boende' in round DV-2026" in result.output
    assert "Traceback" not in result.output
