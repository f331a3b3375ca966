// "Copy the text" buttons beside read-only text areas (the dashboard's analysis texts).
// Without this script the buttons stay hidden and the text is selected and copied by hand.
(function () {
  "use strict";
  var status = document.getElementById("analysis-status");

  function say(text) {
    if (status) {
      status.textContent = "";
      status.textContent = text || "";
    }
  }

  function copy(area) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(area.value);
    }
    area.focus();
    area.select();
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy"));
  }

  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (button) {
    var area = document.getElementById(button.getAttribute("data-copy"));
    if (!area) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      copy(area).then(
        function () { say(button.getAttribute("data-copied")); },
        function () {
          area.focus();
          area.select();
          say(button.getAttribute("data-failed"));
        }
      );
    });
  });
})();
