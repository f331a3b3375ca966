/* Kiosk mode (loaded only on a kiosk's pages): back to the kiosk start for the next person.

   - A page left untouched for data-idle-ms asks "Är du kvar?" in a dialog with one big
     button, data-warn-ms before it goes back (WCAG 2.2.1: never a silent time-out, at
     least 20 s to answer). Any tap, key or scroll starts the wait again. Going back loses
     nothing: every answer was saved when it was given, and the kiosk start forgets the
     person's session, so the next person cannot reach their survey.
   - The thank-you page (data-return-ms) goes back by itself after a while; "Klar" at once.
   Without JavaScript nothing times out. */
(function () {
  "use strict";

  var idleTimer = null;
  var leaveTimer = null;

  function dialog() {
    return document.getElementById("kiosk-idle");
  }

  function number(element, name) {
    return Number(element && element.getAttribute(name)) || 0;
  }

  function goHome() {
    var element = dialog();
    if (!element) { return; }
    window.location.replace(element.getAttribute("data-home"));
  }

  function warn() {
    var element = dialog();
    if (!element) { return; }
    if (typeof element.showModal === "function") {
      if (!element.open) { element.showModal(); }
    } else {
      element.setAttribute("open", "");
    }
    var button = document.getElementById("kiosk-still-here");
    if (button) { button.focus(); }
    leaveTimer = window.setTimeout(goHome, number(element, "data-warn-ms"));
  }

  function stillHere() {
    var element = dialog();
    if (leaveTimer) { window.clearTimeout(leaveTimer); leaveTimer = null; }
    if (element && element.open) {
      if (typeof element.close === "function") { element.close(); } else { element.removeAttribute("open"); }
    }
    restart();
  }

  function restart() {
    var element = dialog();
    if (idleTimer) { window.clearTimeout(idleTimer); }
    idleTimer = null;
    if (!element || (element.open && leaveTimer)) { return; }
    var idle = number(element, "data-idle-ms");
    var warnMs = number(element, "data-warn-ms");
    if (idle <= 0) { return; }
    idleTimer = window.setTimeout(warn, Math.max(0, idle - warnMs));
  }

  function activity(event) {
    var element = dialog();
    // While the question is open, only its button (or Escape) answers it.
    if (element && element.open && leaveTimer) { return; }
    if (event && event.type === "keydown" && leaveTimer) { return; }
    restart();
  }

  ["pointerdown", "keydown", "touchstart", "wheel", "scroll", "input"].forEach(function (name) {
    document.addEventListener(name, activity, { capture: true, passive: true });
  });

  document.addEventListener("click", function (event) {
    if (event.target instanceof window.Element && event.target.closest("#kiosk-still-here")) {
      stillHere();
    }
  });

  document.addEventListener("cancel", function (event) {
    // Escape closes the dialog: that is an answer too ("I am here").
    if (event.target === dialog()) { event.preventDefault(); stillHere(); }
  }, true);

  // survey.js shows some pages in place (a refusal, a question again): start over then.
  document.addEventListener("brukarenkat:page", restart);

  function setUp() {
    restart();
    var element = dialog();
    var back = number(element, "data-return-ms");
    if (back > 0) { window.setTimeout(goHome, back); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
