// The keyboard entry of a returned paper form: one key per question. A key that is an
// answer shows the answer in words and moves on to the next question; Enter (or "-") on an
// empty field leaves the question without a cross and moves on too. Without this script the
// form is a plain form: Tab between the fields, and the server checks every key.
(function () {
  "use strict";
  var form = document.querySelector("form.key-form");
  if (!form) {
    return;
  }
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input.key-input"));
  var badKey = form.getAttribute("data-bad-key") || "";

  function answersOf(input) {
    try {
      return JSON.parse(input.getAttribute("data-answers") || "{}");
    } catch (error) {
      return {};
    }
  }

  function echo(input) {
    var out = document.getElementById(input.id + "-echo");
    var value = input.value.trim().toLowerCase();
    var answers = answersOf(input);
    if (!out) {
      return true;
    }
    out.classList.remove("key-bad");
    if (value === "" || value === "-") {
      out.textContent = "";
      return true;
    }
    if (Object.prototype.hasOwnProperty.call(answers, value)) {
      out.textContent = answers[value];
      return true;
    }
    out.textContent = badKey;
    out.classList.add("key-bad");
    return false;
  }

  function next(input) {
    var index = inputs.indexOf(input);
    if (index >= 0 && index + 1 < inputs.length) {
      inputs[index + 1].focus();
      return;
    }
    var after = form.querySelector("textarea") || form.querySelector("button[type=submit]");
    if (after) {
      after.focus();
    }
  }

  inputs.forEach(function (input) {
    echo(input);
    input.addEventListener("focus", function () {
      input.select();
    });
    input.addEventListener("input", function () {
      var value = input.value.trim();
      if (echo(input) && value !== "") {
        next(input);
      } else if (value !== "") {
        input.select();
      }
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        if (echo(input)) {
          next(input);
        } else {
          input.select();
        }
      }
    });
  });
})();
