"""Question banks as versioned data files, loaded and validated into plain dataclasses.

A bank file (`survey/question_banks/<survey>/<version>.toml`) lists the questions of one
survey type; `scales.toml` holds the answer scales they use and `background.toml` the
questions every survey ends with (gender, who answered, who helped, free text). Any error
names the file and the key, so an editor of the data can fix it without reading code.

Wording is versioned with the round (SPEC §3): a round keeps the bank version it was created
with, so a new wording is a new version file, and the old file stays as it is. Scale labels are
wording too: `scales.toml` holds each scale's codes, faces and first labels, and a bank file may
give a scale new labels for its own version only:

    [scale_labels.ann]
    alla = { sv = "Alla i personalen", en = "All of the staff" }
    ...

A relabelled scale lists every option (a scale never mixes old and new words); codes, faces and
the positive option cannot change there.

Every rated question also has a `result`: the short easy-read phrase that tells a unit's
brukare what share gave the positive answer ("7 av 10 **trivs på daglig verksamhet**", "7 out
of 10 **like it at their daily activity**"; survey/domain/easy_read_results.py). It follows
the number, so it starts with a small letter and ends without a full stop. It is not part of
what the survey asks, so adding it to a frozen version changes no round's wording.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

BANK_DIR = Path(__file__).resolve().parent.parent / "question_banks"
LANGUAGES = ("sv", "en")
DONT_KNOW = "vet_inte"
FACES = ("happy", "neutral", "sad")
QUALITY_AREAS = ("sjalvbestammande", "bemotande", "trygghet", "trivsel")
_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,31}$")
_OPTION = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_PICTOGRAM = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
_BANK_KEYS = ("survey_type", "version", "title", "insats_name", "scale_labels", "questions")


class QuestionBankError(ValueError):
    """A bank or scale file is broken; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class Option:
    code: str
    label: Mapping[str, str]
    #: "happy", "neutral" or "sad" by meaning (rating scales), else None.
    face: str | None
    pictogram: str


@dataclass(frozen=True, slots=True)
class Scale:
    code: str
    options: tuple[Option, ...]
    #: The one positive option of a rating scale; None for background scales.
    positive: str | None
    offers_dont_know: bool

    def option_codes(self) -> tuple[str, ...]:
        return tuple(option.code for option in self.options)

    def accepts(self, value: str) -> bool:
        return value in self.option_codes() or (self.offers_dont_know and value == DONT_KNOW)


@dataclass(frozen=True, slots=True)
class Question:
    code: str
    text: Mapping[str, str]
    #: Short label for reports ("Trivs").
    label: Mapping[str, str]
    scale: Scale | None
    pictogram: str
    area: str | None = None
    #: "rating" (from the bank), "background" or "free_text".
    kind: str = "rating"
    #: Shown only when another question has this answer: (question code, option code).
    shown_if: tuple[str, str] | None = None
    is_local: bool = False
    #: The easy-read results phrase for the positive answer ("trivs på daglig verksamhet").
    result: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class QuestionBank:
    survey_type: str
    version: str
    title: Mapping[str, str]
    questions: tuple[Question, ...]
    background: tuple[Question, ...] = field(default=())
    #: How the insats is named in the question texts, per language ("daglig verksamhet",
    #: "dagliga verksamhet"); left out of the readability counts, since no easier word exists.
    insats_name: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def find(self, code: str) -> Question | None:
        for question in (*self.questions, *self.background):
            if question.code == code:
                return question
        return None

    def codes(self) -> tuple[str, ...]:
        return tuple(q.code for q in self.questions)


def _fail(path: Path, key: str, problem: str) -> QuestionBankError:
    return QuestionBankError(f"{path.name}: {key}: {problem}")


def _read_toml(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise QuestionBankError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise QuestionBankError(f"{path.name}: not valid TOML: {error}") from None


def text_table(path: Path, key: str, value: object, languages: Iterable[str]) -> dict[str, str]:
    """A `{ sv = "…", en = "…" }` table: every language of `languages`, more allowed."""
    if not isinstance(value, dict):
        raise _fail(path, key, 'must be a table of languages, e.g. { sv = "…", en = "…" }')
    result: dict[str, str] = {}
    for language in languages:
        text = value.get(language)
        if not isinstance(text, str) or not text.strip():
            raise _fail(path, f"{key}.{language}", "missing or empty")
        result[language] = text.strip()
    for language, text in value.items():
        if language not in result:
            if not isinstance(text, str) or not text.strip():
                raise _fail(path, f"{key}.{language}", "must be non-empty text")
            result[language] = text.strip()
    return result


def _string(path: Path, key: str, value: object, pattern: re.Pattern[str]) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise _fail(path, key, f"must match {pattern.pattern}, got {value!r}")
    return value


def parse_scales(path: Path, data: Mapping[str, object]) -> dict[str, Scale]:
    """Validate the scale table of `scales.toml`."""
    raw = data.get("scales")
    if not isinstance(raw, dict) or not raw:
        raise _fail(path, "scales", "missing or empty")
    scales: dict[str, Scale] = {}
    for code, body in raw.items():
        key = f"scales.{code}"
        _string(path, key, code, _OPTION)
        if not isinstance(body, dict):
            raise _fail(path, key, "must be a table")
        raw_options = body.get("options")
        if not isinstance(raw_options, list) or len(raw_options) < 2:
            raise _fail(path, f"{key}.options", "needs at least two options")
        options: list[Option] = []
        for index, item in enumerate(raw_options):
            okey = f"{key}.options[{index}]"
            if not isinstance(item, dict):
                raise _fail(path, okey, "must be a table")
            option_code = _string(path, f"{okey}.code", item.get("code"), _OPTION)
            if option_code == DONT_KNOW:
                raise _fail(path, f"{okey}.code", f"{DONT_KNOW!r} is added by the survey itself")
            face = item.get("face")
            if face is not None and face not in FACES:
                raise _fail(path, f"{okey}.face", f"must be one of {', '.join(FACES)}")
            pictogram = item.get("pictogram") or (f"face_{face}" if face else None)
            options.append(
                Option(
                    code=option_code,
                    label=text_table(path, f"{okey}.label", item.get("label"), LANGUAGES),
                    face=face,
                    pictogram=_string(path, f"{okey}.pictogram", pictogram, _PICTOGRAM),
                )
            )
        codes = [option.code for option in options]
        if len(set(codes)) != len(codes):
            raise _fail(path, f"{key}.options", "option codes must be unique")
        positive = body.get("positive")
        if positive is not None and positive not in codes:
            raise _fail(path, f"{key}.positive", f"{positive!r} is not one of {codes}")
        scales[code] = Scale(
            code=code,
            options=tuple(options),
            positive=positive,
            offers_dont_know=bool(body.get("dont_know", positive is not None)),
        )
    return scales


def parse_scale_labels(path: Path, value: object, scales: Mapping[str, Scale]) -> dict[str, Scale]:
    """Validate a bank file's `[scale_labels.<scale>]` tables; return the relabelled scales."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not value:
        raise _fail(path, "scale_labels", "must be tables like [scale_labels.ann]")
    relabelled: dict[str, Scale] = {}
    for scale_code, body in value.items():
        key = f"scale_labels.{scale_code}"
        if scale_code not in scales:
            raise _fail(path, key, f"unknown scale {scale_code!r} (see scales.toml)")
        scale = scales[scale_code]
        codes = scale.option_codes()
        if not isinstance(body, dict):
            raise _fail(path, key, f"must be a table of the options {', '.join(codes)}")
        for option_code in body:
            if option_code not in codes:
                raise _fail(
                    path,
                    f"{key}.{option_code}",
                    f"not an option of scale {scale_code!r} ({', '.join(codes)})",
                )
        options = []
        for option in scale.options:
            if option.code not in body:
                raise _fail(
                    path,
                    f"{key}.{option.code}",
                    "missing: give every option of the scale new labels",
                )
            label = text_table(path, f"{key}.{option.code}", body[option.code], LANGUAGES)
            options.append(replace(option, label=label))
        relabelled[scale_code] = replace(scale, options=tuple(options))
    return relabelled


def parse_insats_name(path: Path, value: object) -> dict[str, tuple[str, ...]]:
    """Validate `insats_name = { sv = ["daglig verksamhet", …], en = [...] }` (optional)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(path, "insats_name", 'must be a table of languages, e.g. { sv = ["…"] }')
    result: dict[str, tuple[str, ...]] = {}
    for language, names in value.items():
        key = f"insats_name.{language}"
        if not isinstance(names, list) or not all(
            isinstance(name, str) and name.strip() for name in names
        ):
            raise _fail(path, key, 'must be a list of non-empty texts, e.g. ["boendestöd"]')
        result[language] = tuple(name.strip() for name in names)
    return result


def result_phrase(path: Path, key: str, value: object) -> dict[str, str]:
    """A `result = { sv = "…", en = "…" }` phrase: it follows "7 av 10", so every language's
    text starts with a small letter and has no full stop at the end."""
    phrases = text_table(path, key, value, LANGUAGES)
    for language, phrase in phrases.items():
        if not phrase[0].islower():
            raise _fail(
                path, f"{key}.{language}", 'must start with a small letter (it follows "7 av 10")'
            )
        if phrase[-1] in ".!?:;,":
            raise _fail(path, f"{key}.{language}", "must not end with a punctuation mark")
    return phrases


def parse_questions(
    path: Path, items: object, scales: Mapping[str, Scale], *, kind: str = "rating"
) -> tuple[Question, ...]:
    """Validate a `[[questions]]` array against the known scales."""
    if not isinstance(items, list) or not items:
        raise _fail(path, "questions", "missing or empty")
    questions: list[Question] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        key = f"questions[{index}]"
        if not isinstance(item, dict):
            raise _fail(path, key, "must be a table")
        code = _string(path, f"{key}.code", item.get("code"), _CODE)
        key = f"questions[{index}] ({code})"
        if code in seen:
            raise _fail(path, f"{key}.code", "duplicate question code")
        seen.add(code)
        question_kind = item.get("kind", kind)
        scale: Scale | None = None
        if question_kind != "free_text":
            scale_code = item.get("scale")
            if scale_code not in scales:
                raise _fail(path, f"{key}.scale", f"unknown scale {scale_code!r}")
            scale = scales[str(scale_code)]
            if question_kind == "rating" and scale.positive is None:
                raise _fail(path, f"{key}.scale", "a rated question needs a scale with positive")
        area = item.get("area")
        if question_kind == "rating" and area not in QUALITY_AREAS:
            raise _fail(path, f"{key}.area", f"must be one of {', '.join(QUALITY_AREAS)}")
        shown_if = item.get("shown_if")
        if shown_if is not None and (
            not isinstance(shown_if, list) or len(shown_if) != 2 or shown_if[0] not in seen
        ):
            raise _fail(path, f"{key}.shown_if", "must be [earlier question code, option code]")
        raw_result = item.get("result")
        is_local = bool(item.get("local", False))
        if raw_result is None and question_kind == "rating" and not is_local:
            raise _fail(
                path,
                f"{key}.result",
                'missing: the results phrase for the positive answer, e.g. { sv = "trivs", … }',
            )
        questions.append(
            Question(
                code=code,
                text=text_table(path, f"{key}.text", item.get("text"), LANGUAGES),
                label=text_table(path, f"{key}.label", item.get("label"), LANGUAGES),
                scale=scale,
                pictogram=_string(path, f"{key}.pictogram", item.get("pictogram"), _PICTOGRAM),
                area=str(area) if area else None,
                kind=str(question_kind),
                shown_if=(str(shown_if[0]), str(shown_if[1])) if shown_if else None,
                is_local=is_local,
                result=result_phrase(path, f"{key}.result", raw_result)
                if raw_result is not None
                else {},
            )
        )
    return tuple(questions)


def load_scales(bank_dir: Path = BANK_DIR) -> dict[str, Scale]:
    path = bank_dir / "scales.toml"
    return parse_scales(path, _read_toml(path))


def load_bank_file(path: Path, bank_dir: Path = BANK_DIR) -> QuestionBank:
    """Load one bank file with the shared scales and background questions."""
    scales = load_scales(bank_dir)
    data = _read_toml(path)
    for key in data:
        if key not in _BANK_KEYS:
            raise _fail(path, key, f"unknown key (a bank file has {', '.join(_BANK_KEYS)})")
    survey_type = data.get("survey_type")
    if survey_type != path.parent.name:
        raise _fail(path, "survey_type", f"must be {path.parent.name!r} (the folder name)")
    version = data.get("version")
    if version != path.stem:
        raise _fail(path, "version", f"must be {path.stem!r} (the file name)")
    # This version's words for a scale replace the first ones, for its questions only.
    scales = {**scales, **parse_scale_labels(path, data.get("scale_labels"), scales)}
    background_path = bank_dir / "background.toml"
    background = parse_questions(
        background_path,
        _read_toml(background_path).get("questions"),
        scales,
        kind="background",
    )
    questions = parse_questions(path, data.get("questions"), scales)
    clash = {q.code for q in questions} & {q.code for q in background}
    if clash:
        raise _fail(path, "questions", f"codes also used by background.toml: {sorted(clash)}")
    return QuestionBank(
        survey_type=str(survey_type),
        version=str(version),
        title=text_table(path, "title", data.get("title"), LANGUAGES),
        questions=questions,
        background=background,
        insats_name=parse_insats_name(path, data.get("insats_name")),
    )


@cache
def load_bank(survey_type: str, version: str) -> QuestionBank:
    """The bank a round asks, cached per process (the files are read-only data)."""
    if not re.fullmatch(r"[a-z]{2}", survey_type) or not re.fullmatch(r"[\w.]+", version):
        raise QuestionBankError(f"no such question bank: {survey_type}/{version}")
    return load_bank_file(BANK_DIR / survey_type / f"{version}.toml")


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key for versions: numbers as numbers, so 2026.10 comes after 2026.9."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in version.split("."))


def latest_version(survey_type: str, bank_dir: Path = BANK_DIR) -> str:
    """The newest version of a survey type's bank: the one new rounds ask."""
    versions = sorted((p.stem for p in (bank_dir / survey_type).glob("*.toml")), key=version_key)
    if not versions:
        raise QuestionBankError(f"no question bank for survey type {survey_type!r}")
    return versions[-1]


def available_versions(survey_type: str, bank_dir: Path = BANK_DIR) -> list[str]:
    """Every version of a survey type's bank, oldest first (empty for an unknown type)."""
    if not re.fullmatch(r"[a-z]{2}", survey_type):
        return []
    return sorted((p.stem for p in (bank_dir / survey_type).glob("*.toml")), key=version_key)


def all_bank_files(bank_dir: Path = BANK_DIR) -> list[Path]:
    return sorted(p for p in bank_dir.glob("*/*.toml"))
