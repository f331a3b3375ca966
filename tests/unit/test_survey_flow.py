from survey.domain import survey_flow
from survey.domain.question_banks import load_bank
from survey.domain.survey_flow import FlowChoices

BANK = load_bank("dv", "2026.1")


def codes(choices, answers=None):
    return survey_flow.step_codes(survey_flow.survey_steps(BANK, choices, answers or {}))


def test_gender_is_asked_only_when_the_invitation_has_none():
    assert "BG_KON" in codes(FlowChoices(ask_gender=True, ask_free_text=False))
    assert "BG_KON" not in codes(FlowChoices(ask_gender=False, ask_free_text=False))


def test_helper_question_follows_med_hjalp_only():
    choices = FlowChoices(ask_gender=False, ask_free_text=True)
    assert "BG_HJALPARE" not in codes(choices)
    assert "BG_HJALPARE" not in codes(choices, {"BG_VEM": "sjalv"})
    with_help = codes(choices, {"BG_VEM": "med_hjalp"})
    assert with_help.index("BG_HJALPARE") == with_help.index("BG_VEM") + 1
    assert with_help[-1] == "BG_FRITEXT"


def test_bank_questions_come_first_in_bank_order():
    steps = codes(FlowChoices(ask_gender=True, ask_free_text=True))
    assert steps[: len(BANK.questions)] == list(BANK.codes())


def test_resume_at_first_unseen_question_skips_count_as_seen():
    steps = survey_flow.survey_steps(BANK, FlowChoices(False, False), {})
    answers = {"DV_RADD": "aldrig", "DV_BESTAMMA": None}
    assert survey_flow.first_unanswered(steps, answers) == "DV_FORSTAR"
    everything = {q.code: "ja" for q in steps}
    assert survey_flow.first_unanswered(steps, everything) is None


def test_position_next_and_previous():
    steps = survey_flow.survey_steps(BANK, FlowChoices(False, False), {})
    first, second = steps[0].code, steps[1].code
    assert survey_flow.position(steps, second) == (2, len(steps))
    assert survey_flow.next_code(steps, first) == second
    assert survey_flow.previous_code(steps, first) is None
    assert survey_flow.next_code(steps, steps[-1].code) is None


def test_relevant_answers_drop_hidden_questions():
    answers = {"BG_VEM": "sjalv", "BG_HJALPARE": "kand", "DV_RADD": "ofta"}
    steps = survey_flow.survey_steps(BANK, FlowChoices(False, False), answers)
    assert survey_flow.relevant_answers(steps, answers) == {"BG_VEM": "sjalv", "DV_RADD": "ofta"}


def test_total_stays_the_same_when_the_helper_question_appears():
    choices = FlowChoices(ask_gender=True, ask_free_text=True)
    alone = survey_flow.survey_steps(BANK, choices, {"BG_VEM": "sjalv"})
    helped = survey_flow.survey_steps(BANK, choices, {"BG_VEM": "med_hjalp"})
    number, total = survey_flow.position(alone, "BG_VEM")
    assert survey_flow.position(helped, "BG_VEM") == (number, total)
    # The follow-up shares its question's number; what comes after keeps its number too.
    assert survey_flow.position(helped, "BG_HJALPARE") == (number, total)
    assert survey_flow.position(helped, "BG_FRITEXT") == survey_flow.position(alone, "BG_FRITEXT")
    assert survey_flow.position(alone, "BG_FRITEXT") == (total, total)
