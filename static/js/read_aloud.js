/* Read-aloud with the browser's speech synthesis. Progressive: buttons stay hidden without
   JavaScript; nothing plays by itself (iPad speaks only after a tap); with no voice for the
   page's language the button says so instead of failing silently. */
(function () {
  "use strict";

  var MESSAGES = {
    sv: { none: "Den här enheten kan inte läsa upp text.", speaking: "Läser upp …" },
    en: { none: "This device cannot read text aloud.", speaking: "Reading aloud …" }
  };

  /** The best voice for `lang` ("sv" → "sv-SE"): exact region, then language, else null. */
  function pickVoice(voices, lang) {
    var wanted = (lang || "sv").toLowerCase();
    var base = wanted.split("-")[0];
    var region = base === "sv" ? "sv-se" : base === "en" ? "en-gb" : wanted;
    var list = Array.prototype.slice.call(voices || []);
    var norm = function (v) { return String(v.lang || "").toLowerCase().replace("_", "-"); };
    return list.find(function (v) { return norm(v) === region && v.localService; }) ||
      list.find(function (v) { return norm(v) === region; }) ||
      list.find(function (v) { return norm(v).split("-")[0] === base; }) || null;
  }

  function loadVoices(synth, timeoutMs) {
    return new Promise(function (resolve) {
      var voices = synth.getVoices();
      if (voices && voices.length) { resolve(voices); return; }
      var done = false;
      var finish = function () {
        if (done) { return; }
        done = true;
        resolve(synth.getVoices() || []);
      };
      synth.addEventListener("voiceschanged", finish, { once: true });
      setTimeout(finish, timeoutMs);
    });
  }

  function status(text) {
    var region = document.getElementById("speech-status");
    if (region) { region.textContent = text; }
  }

  function noteUsed() {
    var token = document.querySelector('meta[name="csrf-token"]');
    var match = window.location.pathname.match(/^\/r\/([A-Za-z0-9_\-]+)/);
    if (!match || !token || noteUsed.sent) { return; }
    noteUsed.sent = true;
    fetch("/r/" + match[1] + "/lyssna", {
      method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": token.getAttribute("content") }
    }).catch(function () { /* offline: the choice is only statistics */ });
  }

  function setUp() {
    var lang = document.documentElement.lang || "sv";
    var text = MESSAGES[lang.split("-")[0]] || MESSAGES.sv;
    var buttons = document.querySelectorAll("button.listen[data-speak]");
    var synth = window.speechSynthesis;
    buttons.forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        if (!synth || typeof window.SpeechSynthesisUtterance !== "function") {
          markNoVoice(button, text.none);
          return;
        }
        loadVoices(synth, 1500).then(function (voices) {
          var voice = pickVoice(voices, lang);
          if (!voice) { markNoVoice(button, text.none); return; }
          synth.cancel();
          var utterance = new window.SpeechSynthesisUtterance(button.getAttribute("data-speak"));
          utterance.voice = voice;
          utterance.lang = voice.lang;
          utterance.rate = 0.9;
          status(text.speaking);
          synth.speak(utterance);
          noteUsed();
        });
      });
    });
  }

  function markNoVoice(button, message) {
    button.classList.add("no-voice");
    button.setAttribute("aria-disabled", "true");
    var label = button.querySelector("span");
    if (label) { label.textContent = message; }
    // Keep the accessible name equal to what is shown (WCAG 2.5.3, label in name).
    button.setAttribute("aria-label", message);
    status(message);
  }

  window.BrukarenkatSpeech = { pickVoice: pickVoice };
  // survey.js shows a page the server sent in answer to a form (a question shown again):
  // its buttons are new.
  document.addEventListener("brukarenkat:page", setUp);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
