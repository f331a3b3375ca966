/* The survey on a shared tablet. Progressive: without JavaScript every form posts and
   redirects as usual, and the server guards what this script guards.

   - The survey keeps one entry in the Back history: links and forms navigate with
     location.replace, so after "Stop now" or "Send in" Back cannot show the survey again.
   - A page restored from the back/forward cache is reloaded: it may show someone's answers.
   - Answer taps are ignored for a moment after a page shows (a double tap must not answer
     the next question unseen), and a form is sent only once.
   - An answer that cannot be sent (no internet) keeps the person on the page, waits in
     localStorage (per survey link, removed once sent) and is sent when the connection
     returns; then the survey moves on. */
(function () {
  "use strict";

  var PENDING = "brukarenkat.pending.";
  var RETRY_FIRST_MS = 2000;
  var RETRY_MAX_MS = 30000;
  var RETRY_TRIES = 30;
  // A proxy answering for an app it cannot reach: the answer did not arrive either.
  var UNREACHABLE = [502, 503, 504];

  var retryTimer = null;
  var retryTries = 0;
  var retryDelay = RETRY_FIRST_MS;
  var flushing = false;

  function surveyToken() {
    var match = window.location.pathname.match(/^\/r\/([A-Za-z0-9_\-]+)/);
    return match ? match[1] : null;
  }

  function readPending(token) {
    try {
      var raw = window.localStorage.getItem(PENDING + token);
      return raw ? JSON.parse(raw) : null;
    } catch (error) {
      return null;
    }
  }

  function keepPending(token, item) {
    try {
      window.localStorage.setItem(PENDING + token, JSON.stringify(item));
    } catch (error) { /* private mode or full: the banner still tells the truth for now */ }
  }

  function dropPending(token) {
    try {
      window.localStorage.removeItem(PENDING + token);
    } catch (error) { /* nothing kept */ }
  }

  /** Lock the answer buttons for the page's data-min-ms after it shows. */
  function lockAnswers() {
    var form = document.querySelector("form[data-answer-form]");
    if (!form) { return; }
    var ms = Number(form.getAttribute("data-min-ms")) || 0;
    if (ms <= 0) { form.setAttribute("data-answers", "open"); return; }
    form.setAttribute("data-answers", "locked");
    window.setTimeout(function () { form.setAttribute("data-answers", "open"); }, ms);
  }

  function showBanner(kind) {
    var banner = document.getElementById("offline-banner");
    if (!banner) { return; }
    var text = banner.getAttribute(kind === "answer" ? "data-answer-text" : "data-form-text");
    var paragraph = document.createElement("p");
    paragraph.textContent = text;
    banner.replaceChildren(paragraph);
    banner.hidden = false;
  }

  function hideBanner() {
    var banner = document.getElementById("offline-banner");
    if (banner) { banner.hidden = true; banner.replaceChildren(); }
  }

  function formBody(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
    return new URLSearchParams(data).toString();
  }

  /** Post; resolves with {next} (JSON) or {html} (a refusal or a question shown again),
      rejects when the answer did not reach the survey. */
  function deliver(item) {
    return window.fetch(item.url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded"
      },
      body: item.body
    }).then(function (response) {
      if (UNREACHABLE.indexOf(response.status) >= 0) { throw new Error("unreachable"); }
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === 0) {
        return response.json().then(function (data) { return { next: data.next }; });
      }
      return response.text().then(function (html) { return { html: html }; });
    });
  }

  /** Show a page the server sent instead of a next address, at the same address. */
  function showPage(html) {
    var next = new window.DOMParser().parseFromString(html, "text/html");
    document.title = next.title;
    document.documentElement.lang = next.documentElement.lang;
    document.documentElement.className = next.documentElement.className;
    var meta = next.querySelector('meta[name="csrf-token"]');
    var mine = document.querySelector('meta[name="csrf-token"]');
    if (meta && mine) { mine.setAttribute("content", meta.getAttribute("content")); }
    document.body.innerHTML = next.body.innerHTML;  // its scripts stay inert: we are here
    lockAnswers();
    document.dispatchEvent(new window.CustomEvent("brukarenkat:page"));
    var main = document.getElementById("main");
    if (main) { main.focus(); }
  }

  function arrive(result) {
    if (result.next) {
      window.location.replace(result.next);
    } else {
      showPage(result.html);
    }
  }

  function stopRetrying() {
    if (retryTimer) { window.clearTimeout(retryTimer); }
    retryTimer = null;
    retryTries = 0;
    retryDelay = RETRY_FIRST_MS;
  }

  function scheduleRetry() {
    if (retryTimer || retryTries >= RETRY_TRIES) { return; }
    retryTimer = window.setTimeout(function () {
      retryTimer = null;
      retryTries += 1;
      flush();
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, RETRY_MAX_MS);
  }

  /** Send the answer waiting for this survey link, if any. */
  function flush() {
    var token = surveyToken();
    var item = token && readPending(token);
    if (!item || flushing) { return; }
    flushing = true;
    showBanner("answer");
    deliver(item).then(function (result) {
      dropPending(token);
      stopRetrying();
      flushing = false;
      arrive(result);
    }, function () {
      flushing = false;
      scheduleRetry();
    });
  }

  function send(form, submitter, isAnswer) {
    var token = surveyToken();
    var item = { url: form.action, body: formBody(form, submitter) };
    form.setAttribute("data-sending", "1");
    deliver(item).then(function (result) {
      if (isAnswer && token) { dropPending(token); stopRetrying(); }
      arrive(result);
    }, function () {
      form.removeAttribute("data-sending");
      if (isAnswer && token) {
        // The latest tap wins: it replaces an answer already waiting for this question.
        keepPending(token, item);
        showBanner("answer");
        scheduleRetry();
      } else if (form.hasAttribute("data-offline-to")) {
        // "Stop now" must leave the survey even offline; the answers are saved already.
        window.location.replace(form.getAttribute("data-offline-to"));
      } else {
        showBanner("form");
      }
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof window.HTMLFormElement)) { return; }
    var isAnswer = form.hasAttribute("data-answer-form");
    if (!isAnswer && !form.hasAttribute("data-survey-form")) { return; }
    event.preventDefault();
    if (form.getAttribute("data-sending") === "1") { return; }  // sent once
    if (isAnswer && form.getAttribute("data-answers") === "locked") { return; }  // double tap
    hideBanner();
    send(form, event.submitter, isAnswer);
  });

  document.addEventListener("click", function (event) {
    var link = event.target instanceof window.Element ? event.target.closest("a[href]") : null;
    if (!link || event.defaultPrevented || event.button !== 0 ||
        event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) { return; }
    var href = link.getAttribute("href") || "";
    if (href.charAt(0) === "#" || link.target || link.hasAttribute("download") ||
        link.origin !== window.location.origin) { return; }
    event.preventDefault();
    window.location.replace(link.href);
  });

  window.addEventListener("pageshow", function (event) {
    // From the back/forward cache: it may be someone else's answers. Ask the server again.
    if (event.persisted) { window.location.reload(); }
  });

  window.addEventListener("online", function () {
    stopRetrying();
    flush();
  });

  // Loaded in <head>, before the page: the listeners above are on the document already, so
  // an early tap is caught; what needs the page waits for it.
  function setUp() {
    lockAnswers();
    var token = surveyToken();
    if (token && /\/tack$/.test(window.location.pathname)) {
      dropPending(token);  // sent in: nothing of it stays on the tablet
    } else {
      flush();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
