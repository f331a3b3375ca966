"""Answer buttons: the keyboard focus is unmistakable on every button state, and the chosen
answer is a pressed button for assistive technology, not only words in its name."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from tests.factories import make_invited

pytestmark = pytest.mark.browser

MARGIN = 16  # CSS px around the button: where a focus ring is drawn


def luminance(rgb: tuple[int, ...]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def box_in_page(target: Locator) -> dict[str, float]:
    return target.evaluate(
        """(el) => { const r = el.getBoundingClientRect();
          return {x: r.x + window.scrollX, y: r.y + window.scrollY,
                  width: r.width, height: r.height}; }"""
    )


def around(page: Page, box: dict[str, float]) -> Image.Image:
    clip = {
        "x": box["x"] - MARGIN,
        "y": box["y"] - MARGIN,
        "width": box["width"] + 2 * MARGIN,
        "height": box["height"] + 2 * MARGIN,
    }
    shot = page.screenshot(clip=clip, full_page=True, animations="disabled")
    return Image.open(io.BytesIO(shot)).convert("RGB")


def pixels(image: Image.Image) -> list[tuple[int, ...]]:
    data = image.tobytes()
    return [tuple(data[i : i + 3]) for i in range(0, len(data), 3)]


def focus_change(page: Page, target: Locator) -> tuple[int, int]:
    """Pixels that change by at least 3:1 when `target` gets keyboard focus, and the area of a
    2 CSS px thick line round it (WCAG 2.4.13's measure: the indicator must be at least that)."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    box = box_in_page(target)
    unfocused = around(page, box)
    target.focus()
    assert target.evaluate("(el) => el.matches(':focus-visible')")
    assert box_in_page(target) == box
    focused = around(page, box)
    changed = sum(
        1
        for before, after in zip(pixels(unfocused), pixels(focused), strict=True)
        if before != after and contrast(before, after) >= 3
    )
    return changed, round(2 * 2 * (box["width"] + box["height"]))


#: Question page → the buttons on it, in each state a button can have.
FOCUS_TARGETS = {
    "DV_RADD": {
        "selected answer": "button.answer.selected",
        "neutral answer": "button.answer.face-neutral",
        "sad answer": "button.answer.face-sad",
        "secondary": "button[value=hoppa_over]",
        "listen": "button.listen >> nth=0",
        "back link": "a.back",
    },
    "DV_BESTAMMA": {
        "selected secondary": "button.secondary.selected",
        "happy answer": "button.answer.face-happy",
    },
    "BG_VEM": {"answer without a face": "button.answer.face-none >> nth=0"},
    "BG_FRITEXT": {"primary": "button.primary"},
}


def test_focus_is_unmistakable_on_every_button_state(page: Page, live_server, db_session):
    setup = make_invited(db_session)
    base = f"{live_server}/r/{setup.token}"
    page.goto(f"{base}/q/DV_RADD")
    with page.expect_navigation():
        page.get_by_role("button", name="Aldrig", exact=True).click()
    with page.expect_navigation():
        page.get_by_role("button", name="Jag vet inte").click()
    results = {}
    for code, targets in FOCUS_TARGETS.items():
        page.goto(f"{base}/q/{code}")
        page.keyboard.press("Tab")  # a keyboard user: focus shows the ring (:focus-visible)
        for what, selector in targets.items():
            target = page.locator(selector)
            expect(target).to_be_visible()
            results[what] = focus_change(page, target)
    weak = {what: r for what, r in results.items() if r[0] < r[1]}
    assert weak == {}, f"focus changes too few pixels by 3:1 (changed, needed): {weak}"


def test_focus_ring_on_the_selected_answer_is_not_its_selected_look(
    page: Page, live_server, db_session
):
    setup = make_invited(db_session)
    base = f"{live_server}/r/{setup.token}"
    page.goto(f"{base}/q/DV_RADD")
    with page.expect_navigation():
        page.get_by_role("button", name="Aldrig", exact=True).click()
    page.goto(f"{base}/q/DV_RADD")
    page.keyboard.press("Tab")
    selected = page.locator("button.answer.selected")
    style = "(el) => { const s = getComputedStyle(el); return [s.outlineStyle, s.boxShadow]; }"
    unfocused_outline, unfocused_shadow = selected.evaluate(style)
    selected.focus()
    focused_outline, _ = selected.evaluate(style)
    assert unfocused_outline == "none"
    assert focused_outline == "solid"
    # The selected look stays inside the button; the ring outside it is the focus alone.
    shadows = re.split(r",\s*(?=rgb)", unfocused_shadow)
    assert unfocused_shadow == "none" or all("inset" in s for s in shadows), unfocused_shadow


def test_chosen_answer_is_a_pressed_button(page: Page, live_server, db_session):
    setup = make_invited(db_session)
    base = f"{live_server}/r/{setup.token}"
    page.goto(f"{base}/q/DV_RADD")
    expect(page.get_by_role("button", pressed=True)).to_have_count(0)
    for name in ("Aldrig", "Ibland", "Ofta", "Jag vet inte", "Hoppa över"):
        # A toggle that is off (aria-pressed="false"), not a plain button.
        expect(page.get_by_role("button", name=name, exact=True)).to_have_attribute(
            "aria-pressed", "false"
        )
    with page.expect_navigation():
        page.get_by_role("button", name="Ibland", exact=True).click()
    page.goto(f"{base}/q/DV_RADD")
    pressed = page.get_by_role("button", pressed=True)
    expect(pressed).to_have_count(1)
    expect(pressed).to_contain_text("Ibland")
    expect(page.get_by_role("button", name="Aldrig", exact=True, pressed=False)).to_have_count(1)

    page.goto(f"{base}/q/DV_BESTAMMA")
    with page.expect_navigation():
        page.get_by_role("button", name="Jag vet inte").click()
    page.goto(f"{base}/q/DV_BESTAMMA")
    expect(page.get_by_role("button", pressed=True)).to_contain_text("Jag vet inte")

    page.goto(f"{base}/q/BG_FRITEXT")
    with page.expect_navigation():
        page.get_by_role("button", name="Hoppa över").click()
    page.goto(f"{base}/q/BG_FRITEXT")
    pressed = page.get_by_role("button", pressed=True)
    expect(pressed).to_have_count(1)
    expect(pressed).to_contain_text("Hoppa över")
    # "Spara och fortsätt" sends the text; it is not a choice that stays pressed.
    save = page.get_by_role("button", name="Spara och fortsätt")
    expect(save).not_to_have_attribute("aria-pressed", "true")
    expect(save).not_to_have_attribute("aria-pressed", "false")
