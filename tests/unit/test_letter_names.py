"""Names files for letters: addresses checked for the window, rows paired deterministically."""

from __future__ import annotations

from survey.domain.letter_names import (
    LETTER_ALIASES,
    Candidate,
    NamedRow,
    pair_rows,
    postal_code,
    read_names,
)
from survey.domain.recipients import RecipientRow, UnitIndex
from survey.domain.tabular import read_table
from survey.reports.letters_pdf import window_line_fits

UNITS = UnitIndex.build([(1, "F/E/Växtverket"), (2, "F/E/Caféet")])


def names(text: str, **kw):  # type: ignore[no-untyped-def]
    table = read_table(text.encode(), "n.csv", aliases=LETTER_ALIASES, keep_personal=True)
    return read_names(table, UNITS, **kw)


def test_postal_codes_are_five_digits_printed_three_and_two() -> None:
    assert postal_code("12345") == "123 45"
    assert postal_code(" 123  45 ") == "123 45"
    assert postal_code("1234") is None
    assert postal_code("123 456") is None
    assert postal_code("SE-12345") is None


def test_a_row_becomes_the_window_lines() -> None:
    found = names(
        "enhet,kön,namn,c/o,gatuadress,postnummer,postort\n"
        "Växtverket,K,Anna  Berg,Gruppbostaden,Storgatan 1,12345,Stockholm\n"
    )
    assert found.ok
    assert found.has_addresses
    (row,) = found.rows
    assert row.address == ("Anna Berg", "c/o Gruppbostaden", "Storgatan 1", "123 45 Stockholm")
    assert row.recipient == RecipientRow(2, 1, "kvinna", None, None)


def test_the_recipient_list_reader_still_drops_names() -> None:
    table = read_table(b"unit,namn,adress\nX,Anna,Storgatan 1\n", "n.csv")
    assert table.headers == ["unit"]
    assert table.dropped == ["namn", "adress"]
    kept = read_table(
        b"unit,namn,personnummer\nX,Anna,19121212-1212\n",
        "n.csv",
        aliases=LETTER_ALIASES,
        keep_personal=True,
    )
    assert kept.headers == ["unit", "name"]  # personnummer is never read
    unasked = read_table(b"unit,namn\nX,Anna\n", "n.csv", aliases=LETTER_ALIASES)
    assert unasked.headers == ["unit"]
    assert kept.dropped == ["personnummer"]


def test_malformed_addresses_are_row_errors_without_the_values() -> None:
    long_street = "Långa gatan med ett väldigt långt namn uppgång B lgh 1234"
    found = names(
        "unit,gender,name,address,postal code,city\n"
        "Växtverket,K,,Storgatan 1,12345,Stockholm\n"
        "Växtverket,K,Bo,Storgatan 1,1234,Stockholm\n"
        "Växtverket,K,Bo,,,\n"
        f"Växtverket,K,Bo,{long_street},12345,Sthlm\n",
        fits=window_line_fits,
    )
    got = {(e.row, e.column, e.code) for e in found.errors}
    assert got == {
        (2, "name", "missing_name"),
        (3, "postal code", "bad_postal_code"),
        (4, "address", "missing_street"),
        (4, "postal code", "missing_postal_code"),
        (4, "city", "missing_city"),
        (5, "address", "address_line_too_long"),
    }
    assert all(e.value == "" for e in found.errors)
    assert found.rows == []


def test_six_lines_do_not_fit_the_window() -> None:
    found = names(
        "unit,name,c/o,address,postnummer,ort\n"
        'Växtverket,Bo,Ek,"Gata 1\nTrappa 2\nLgh 3",12345,Ort\n'
    )
    assert [e.code for e in found.errors] == ["too_many_address_lines"]


def test_names_only_is_a_letter_to_hand_out() -> None:
    found = names("unit,förnamn,efternamn\nVäxtverket,Anna,Berg\n")
    assert found.ok
    assert not found.has_addresses
    assert found.rows[0].address == ("Anna Berg",)


def _row(number: int, unit: int = 1, gender: str | None = "kvinna") -> NamedRow:
    return NamedRow(number, RecipientRow(number, unit, gender, None, None), (f"P{number}",))


def _candidate(id_: int, unit: int = 1, gender: str | None = "kvinna", status="not_started"):  # type: ignore[no-untyped-def]
    return Candidate(id_, unit, gender, None, None, status)


def test_rows_pair_in_file_order_with_invitations_in_id_order() -> None:
    rows = [_row(2), _row(3, unit=2), _row(4)]
    candidates = [_candidate(9), _candidate(5), _candidate(7, unit=2), _candidate(6)]
    pairing = pair_rows(rows, candidates)
    assert [(r.row, i) for r, i in pairing.pairs] == [(2, 5), (3, 7), (4, 6)]
    # The same rows, the candidates in another order: the same pairs.
    assert pair_rows(rows, reversed(candidates)).pairs == pairing.pairs


def test_an_answered_partner_skips_the_row_and_keeps_the_others_in_place() -> None:
    rows = [_row(2), _row(3), _row(4)]
    candidates = [
        _candidate(5, status="submitted"),
        _candidate(6),
        _candidate(7, status="withdrawn"),
    ]
    pairing = pair_rows(rows, candidates)
    assert [(r.row, i) for r, i in pairing.pairs] == [(3, 6)]
    assert pairing.skipped == 2
    assert pairing.errors == []


def test_a_row_without_a_partner_is_an_error() -> None:
    pairing = pair_rows([_row(2), _row(3, gender="man"), _row(4)], [_candidate(5)])
    assert [(e.row, e.code) for e in pairing.errors] == [(3, "no_invitation"), (4, "no_invitation")]
