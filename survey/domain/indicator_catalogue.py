"""The indicator catalogue: versioned data files, one per period, validated at load.

`survey/indicator_catalogue/<period>.toml` names the city's indicators as they appear in the
verksamhetsberättelse, the question that feeds each per survey type and the option that counts
as positive (SPEC §4). A file applies to its own period and every later one until a newer file
exists, so a period's figures keep the meaning they were published with. Any error names the
file and the key.

A source may carry a `result` phrase for the easy-read results page ("7 av 10 …"): it is
required only when the indicator counts another option than the question's own positive one,
since otherwise the question's phrase in its bank already says it.

Besides the indicators, every rating question of a round's bank is reported on its own,
under its quality area (självbestämmande, bemötande, trygghet, trivsel), with its scale's
positive option.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from survey.domain.question_banks import (
    LANGUAGES,
    QUALITY_AREAS,
    QuestionBank,
    QuestionBankError,
    available_versions,
    load_bank,
    result_phrase,
    text_table,
)

CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "indicator_catalogue"
SURVEY_TYPES = ("dv", "bo", "bs")
_KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
_FILE_KEYS = ("period", "areas", "indicators")
_INDICATOR_KEYS = ("key", "name", "analysis", "questions")
_DIGIT = re.compile(r"\d")


class CatalogueError(ValueError):
    """A catalogue file is broken; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class Source:
    """One question feeding an indicator in one survey type."""

    survey_type: str
    question_code: str
    positive: str
    #: Easy-read results phrase when `positive` is not the question's own positive option.
    result: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Indicator:
    key: str
    name: Mapping[str, str]
    sources: tuple[Source, ...]
    #: The subject of the "Analys" starter text, per language ("Andelen brukare som är nöjda
    #: med sin insats"); a sentence begins with it (survey.domain.analysis_text). Every
    #: catalogue file has one; empty only for an Indicator built in code (the text then
    #: names the question and its positive answer).
    analysis: Mapping[str, str] = field(default_factory=dict)

    def source_for(self, survey_type: str) -> Source | None:
        for source in self.sources:
            if source.survey_type == survey_type:
                return source
        return None


@dataclass(frozen=True, slots=True)
class Catalogue:
    period: int
    path: Path
    areas: Mapping[str, Mapping[str, str]]
    indicators: tuple[Indicator, ...]

    def find(self, key: str) -> Indicator | None:
        for indicator in self.indicators:
            if indicator.key == key:
                return indicator
        return None

    def keys(self) -> tuple[str, ...]:
        return tuple(indicator.key for indicator in self.indicators)


def _fail(path: Path, key: str, problem: str) -> CatalogueError:
    return CatalogueError(f"{path.name}: {key}: {problem}")


def _text(path: Path, key: str, value: object) -> dict[str, str]:
    try:
        return text_table(path, key, value, LANGUAGES)
    except QuestionBankError as error:
        raise CatalogueError(str(error)) from None


def _banks(survey_type: str) -> list[QuestionBank]:
    return [load_bank(survey_type, version) for version in available_versions(survey_type)]


def _analysis(path: Path, key: str, value: object) -> dict[str, str]:
    """The analysis subject: a text per language, with no figures of its own (every number
    in an analysis text must be one the report publishes)."""
    if value is None:
        raise _fail(path, key, 'missing: e.g. { sv = "Andelen brukare som …", en = "The share …" }')
    texts = _text(path, key, value)
    for language, text in texts.items():
        if _DIGIT.search(text):
            raise _fail(path, f"{key}.{language}", "must hold no digits (it is no figure)")
    return texts


def _source(path: Path, key: str, value: object) -> Source:
    if not isinstance(value, dict):
        raise _fail(path, key, 'must be a table like { survey = "dv", code = "…", positive = "…" }')
    unknown = set(value) - {"survey", "code", "positive", "result"}
    if unknown:
        raise _fail(
            path, f"{key}.{sorted(unknown)[0]}", "unknown key (survey, code, positive, result)"
        )
    survey_type = value.get("survey")
    if survey_type not in SURVEY_TYPES:
        raise _fail(path, f"{key}.survey", f"must be one of {', '.join(SURVEY_TYPES)}")
    code = value.get("code")
    positive = value.get("positive")
    banks = _banks(str(survey_type))
    questions = [bank.find(str(code)) for bank in banks]
    found = [q for q in questions if q is not None and q.kind == "rating" and q.scale is not None]
    if not isinstance(code, str) or not found:
        raise _fail(path, f"{key}.code", f"no rating question {code!r} in the {survey_type} bank")
    for question in found:
        codes = question.scale.option_codes() if question.scale is not None else ()
        if positive not in codes:
            options = ", ".join(codes)
            raise _fail(
                path, f"{key}.positive", f"{positive!r} is not an option of {code} ({options})"
            )
    result = None
    if value.get("result") is not None:
        try:
            result = result_phrase(path, f"{key}.result", value["result"])
        except QuestionBankError as error:
            raise CatalogueError(str(error)) from None
    elif any(q.scale is not None and q.scale.positive != positive for q in found):
        raise _fail(
            path,
            f"{key}.result",
            f"missing: {positive!r} is not {code}'s own positive answer, so the easy-read "
            'results page needs a phrase of its own, e.g. { sv = "…", en = "…" }',
        )
    return Source(
        survey_type=str(survey_type), question_code=code, positive=str(positive), result=result
    )


def parse_catalogue(path: Path, data: Mapping[str, object]) -> Catalogue:
    for key in data:
        if key not in _FILE_KEYS:
            raise _fail(path, key, f"unknown key (a catalogue file has {', '.join(_FILE_KEYS)})")
    period = data.get("period")
    if not isinstance(period, int) or isinstance(period, bool) or str(period) != path.stem:
        raise _fail(path, "period", f"must be {path.stem} (the file name)")
    raw_areas = data.get("areas")
    if not isinstance(raw_areas, dict):
        raise _fail(path, "areas", "missing: a table naming the four quality areas")
    areas: dict[str, dict[str, str]] = {}
    for area in QUALITY_AREAS:
        if area not in raw_areas:
            raise _fail(path, f"areas.{area}", "missing")
        areas[area] = _text(path, f"areas.{area}", raw_areas[area])
    for area in raw_areas:
        if area not in QUALITY_AREAS:
            raise _fail(path, f"areas.{area}", f"not a quality area ({', '.join(QUALITY_AREAS)})")
    items = data.get("indicators")
    if not isinstance(items, list) or not items:
        raise _fail(path, "indicators", "missing or empty")
    indicators: list[Indicator] = []
    for index, item in enumerate(items):
        ikey = f"indicators[{index}]"
        if not isinstance(item, dict):
            raise _fail(path, ikey, "must be a table")
        for key in item:
            if key not in _INDICATOR_KEYS:
                raise _fail(path, f"{ikey}.{key}", f"unknown key ({', '.join(_INDICATOR_KEYS)})")
        key = item.get("key")
        if not isinstance(key, str) or not _KEY.match(key):
            raise _fail(path, f"{ikey}.key", f"must match {_KEY.pattern}, got {key!r}")
        ikey = f"indicators.{key}"
        raw_sources = item.get("questions")
        if not isinstance(raw_sources, list) or not raw_sources:
            raise _fail(path, f"{ikey}.questions", "missing or empty")
        sources = tuple(
            _source(path, f"{ikey}.questions[{n}]", raw) for n, raw in enumerate(raw_sources)
        )
        types = [source.survey_type for source in sources]
        if len(set(types)) != len(types):
            raise _fail(path, f"{ikey}.questions", "at most one question per survey type")
        name = _text(path, f"{ikey}.name", item.get("name"))
        analysis = _analysis(path, f"{ikey}.analysis", item.get("analysis"))
        indicators.append(Indicator(key=key, name=name, sources=sources, analysis=analysis))
    keys = [indicator.key for indicator in indicators]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise _fail(path, f"indicators.{duplicates[0]}", "key used twice")
    return Catalogue(period=period, path=path, areas=areas, indicators=tuple(indicators))


def load_catalogue_file(path: Path) -> Catalogue:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise CatalogueError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise CatalogueError(f"{path.name}: not valid TOML: {error}") from None
    try:
        return parse_catalogue(path, data)
    except QuestionBankError as error:
        raise CatalogueError(f"{path.name}: {error}") from None


def catalogue_periods(directory: Path = CATALOGUE_DIR) -> list[int]:
    return sorted(int(p.stem) for p in directory.glob("*.toml") if p.stem.isdigit())


@cache
def catalogue_for(period: int) -> Catalogue:
    """The catalogue a period's figures use: the newest file not after the period."""
    periods = [p for p in catalogue_periods() if p <= period]
    if not periods:
        periods = catalogue_periods()[:1]
    if not periods:
        raise CatalogueError(f"{CATALOGUE_DIR}: no indicator catalogue")
    return load_catalogue_file(CATALOGUE_DIR / f"{periods[-1]}.toml")


def indicator_keys() -> set[str]:
    """Every indicator key any period's catalogue knows (for validating target files)."""
    keys: set[str] = set()
    for period in catalogue_periods():
        keys |= set(catalogue_for(period).keys())
    return keys
