// The ZIP build's progress on the reports page: asks the server every 1.5 s and updates the
// progress bar and its text (a polite live region); reloads the page once the build is done
// or has stopped, so the download link appears. If the server refuses (signed out, the build
// gone) polling stops and the text says so; if the network drops, it keeps trying every 5 s
// and says so after three failures in a row. Without JavaScript the page has a link to
// update it by hand.
(function () {
  "use strict";
  var box = document.querySelector(".report-progress[data-status-url]");
  if (!box || !window.fetch) return;
  var bar = box.querySelector("progress");
  var text = box.querySelector(".progress-text");
  var failures = 0;
  function failed() {
    text.textContent = box.getAttribute("data-failed-text");
  }
  function poll() {
    fetch(box.getAttribute("data-status-url"), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok || response.redirected) {
          failed();
          return null;
        }
        return response.json();
      })
      .then(function (state) {
        if (!state) return;
        failures = 0;
        bar.max = state.total;
        bar.value = state.done;
        bar.textContent = state.done + " / " + state.total;
        text.textContent = state.text;
        if (state.status === "building") {
          window.setTimeout(poll, 1500);
        } else {
          window.location.assign(box.getAttribute("data-page-url"));
        }
      })
      .catch(function () {
        failures += 1;
        if (failures >= 3) failed();
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, 1500);
})();
