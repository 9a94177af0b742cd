/* Quiz page: save each answer as soon as it changes (a typed one when typing pauses), and
   show the time left.
   The page works without this script (plain form posts); the server owns the clock. */
(function () {
  "use strict";
  var form = document.getElementById("quiz-form");
  if (!form) { return; }
  var status = document.getElementById("quiz-status");
  var pending = {};
  // Questions changed since their last successful save, and how many changes each has had,
  // so that the reply to an older save does not mark a newer change as saved.
  var dirty = {};
  var edits = {};
  // One save at a time per question: two saves in flight can reach the server in either
  // order on a mobile network, and the later arrival would win with the older answer.
  // A change made while a save travels is sent, with the values of that moment, after it.
  var inflight = {};
  var again = {};
  var closed = false;
  var submitting = false;  // the page's own Save or Submit: leaving it that way is no focus loss

  // ``warn``: something the learner must act on (not saved, or no longer taken), shown
  // with a sign and not by colour alone; plain confirmations stay quiet.
  function say(text, warn) {
    if (!status) { return; }
    status.textContent = text;
    status.classList.toggle("warn", !!warn);
  }

  // No more answers are taken: Submit then goes straight to the result, with no question
  // asked first (quiz-nav.js reads the mark).
  function close() {
    closed = true;
    form.setAttribute("data-closed", "1");
  }

  function valuesOf(fieldset) {
    var inputs = fieldset.querySelectorAll("input[name^='q'], select[name^='q'], textarea[name^='q']");
    var values = [];
    inputs.forEach(function (el) {
      if (el.type === "hidden") { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      values.push(el.value);
    });
    return values;
  }

  // ``leaving``: the page is being hidden or unloaded. The save goes at once, even with an
  // older one still travelling (there is no later), and with keepalive, so that the browser
  // delivers it after the page is gone (sendBeacon cannot: the CSRF token of the answer
  // endpoint travels in a header).
  function send(fieldset, leaving) {
    var version = fieldset.getAttribute("data-version");
    if (inflight[version] && !leaving) { again[version] = true; return Promise.resolve(); }
    inflight[version] = true;
    var edit = edits[version];
    var body = JSON.stringify({ v: version, values: valuesOf(fieldset) });
    return fetch(form.getAttribute("data-autosave-url"), {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!leaving,
      headers: { "Content-Type": "application/json", "X-CSRFToken": form.getAttribute("data-csrf") },
      body: body
    }).then(function (response) {
      if (response.status === 409) {
        // Time is up, or another tab submitted: the server says which.
        close();
        return response.json().catch(function () { return {}; }).then(function (data) {
          say(data.message || form.getAttribute("data-msg-closed"), true);
        });
      }
      if (!response.ok) { throw new Error(String(response.status)); }
      delete pending[version];
      if (edits[version] === edit) {
        delete dirty[version];
        fieldset.classList.add("saved");
      }
      say(form.getAttribute("data-msg-saved"));
      return response.json().then(function (data) {
        if (typeof data.seconds_left === "number") { remaining = data.seconds_left; }
      });
    }).catch(function () {
      pending[version] = fieldset;
      say(form.getAttribute("data-msg-offline"), true);
    }).then(function () {
      inflight[version] = false;
      if (again[version] && !closed) {
        again[version] = false;
        return send(fieldset);
      }
    });
  }

  function changed(fieldset) {
    var version = fieldset.getAttribute("data-version");
    edits[version] = (edits[version] || 0) + 1;
    dirty[version] = true;
    fieldset.classList.remove("saved");
    return version;
  }

  form.addEventListener("change", function (event) {
    if (closed) { return; }
    var fieldset = event.target.closest("fieldset[data-version]");
    if (fieldset) {
      var version = changed(fieldset);
      if (typing[version]) { clearTimeout(typing[version]); delete typing[version]; }
      send(fieldset);
    }
  });

  // A typed answer (short text, number, essay) fires "change" only when the field loses
  // focus, while the navigator shows it answered from the first key: it is saved also once
  // the learner pauses typing, and when the page is hidden or left, so that a reload or a
  // phone putting the tab away keeps what was typed (issue 18).
  var TYPING_PAUSE_MS = 1500;
  var typing = {};  // version -> timer of the save after the pause
  function isTyped(el) {
    return el.tagName === "TEXTAREA" || (el.tagName === "INPUT" && /^(text|number|search|tel)$/.test(el.type));
  }
  form.addEventListener("input", function (event) {
    if (closed || !isTyped(event.target)) { return; }
    var fieldset = event.target.closest("fieldset[data-version]");
    if (!fieldset) { return; }
    var version = changed(fieldset);
    if (typing[version]) { clearTimeout(typing[version]); }
    typing[version] = setTimeout(function () {
      delete typing[version];
      send(fieldset);
    }, TYPING_PAUSE_MS);
  });
  function saveTypingNow() {
    if (closed || submitting) { return; }
    Object.keys(typing).forEach(function (version) {
      clearTimeout(typing[version]);
      delete typing[version];
      var fieldset = form.querySelector("fieldset[data-version='" + version + "']");
      if (fieldset) { send(fieldset, true); }
    });
  }
  window.addEventListener("pagehide", saveTypingNow);
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { saveTypingNow(); }
  });

  // On Submit (or Save), send only the answers the server does not have yet: on a slow
  // network the post stays small, and a stale second tab cannot overwrite newer answers.
  // Disabled fields are left out of the post; the server keeps what it has for the rest.
  form.addEventListener("submit", function (event) {
    if (event.defaultPrevented) { return; }  // quiz-nav.js asks first: nothing is sent yet
    submitting = true;
    // Typed answers not saved yet go with the form (they are dirty): no save after the pause.
    Object.keys(typing).forEach(function (version) { clearTimeout(typing[version]); delete typing[version]; });
    form.querySelectorAll("fieldset[data-version]").forEach(function (fieldset) {
      if (!dirty[fieldset.getAttribute("data-version")]) { fieldset.disabled = true; }
    });
  });
  // Coming back with the Back button shows the page as it was left: enable it again.
  window.addEventListener("pageshow", function () {
    submitting = false;
    form.querySelectorAll("fieldset[disabled]").forEach(function (fieldset) { fieldset.disabled = false; });
  });

  // Retry answers that could not be sent (a phone losing signal in a lift).
  setInterval(function () {
    Object.keys(pending).forEach(function (v) { send(pending[v]); });
  }, 10000);
  window.addEventListener("online", function () {
    Object.keys(pending).forEach(function (v) { send(pending[v]); });
  });

  // Contest rounds: each time the learner leaves the page (another tab or app, closing it,
  // another window over it) is reported, once per time away, for the organisers to see (the
  // page says so at the top). When the page is hidden the report goes by sendBeacon, since a
  // phone may freeze or discard the page right after; the CSRF token travels in the body,
  // as beacons carry no headers. A window that only loses focus waits a moment first, so
  // that a tab switch (blur, then hidden) is one loss, sent once. Without JavaScript nothing
  // is recorded.
  var focusUrl = form.getAttribute("data-focus-url");
  if (focusUrl) {
    var away = false;
    var unsent = 0;
    var how = "blur";
    var waiting = null;
    var report = function (beacon) {
      if (waiting) { clearTimeout(waiting); waiting = null; }
      if (!unsent || closed) { return; }
      var body = new URLSearchParams();
      body.append("csrf_token", form.getAttribute("data-csrf"));
      body.append("n", String(unsent));
      body.append("how", how);
      unsent = 0;
      if (beacon && navigator.sendBeacon && navigator.sendBeacon(focusUrl, body)) { return; }
      fetch(focusUrl, { method: "POST", credentials: "same-origin", keepalive: true, body: body })
        .catch(function () { /* a lost report is only a lost flag */ });
    };
    var leave = function (kind) {
      if (submitting) { return; }
      if (!away) {
        away = true;
        unsent += 1;
        how = kind;
      } else if (kind === "hidden") {
        how = "hidden";
      }
      if (kind === "hidden") { report(true); }
      else if (!waiting) { waiting = setTimeout(function () { report(false); }, 1000); }
    };
    var back = function () {
      if (!document.hidden) { away = false; }
    };
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) { leave("hidden"); } else { back(); }
    });
    window.addEventListener("blur", function () { leave("blur"); });
    window.addEventListener("focus", back);
  }

  var timer = document.getElementById("timer");
  var value = document.getElementById("timer-value");
  var remaining = timer ? parseInt(timer.getAttribute("data-seconds-left"), 10) : null;
  var announced = {};
  function tick() {
    if (remaining === null) { return; }
    remaining = Math.max(0, remaining - 1);
    var m = Math.floor(remaining / 60), s = remaining % 60;
    value.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    // Announce politely at a few moments only: a screen reader must not read every second.
    [10, 5].forEach(function (mins) {
      if (remaining === mins * 60 && !announced[mins]) {
        announced[mins] = true;
        say(form.getAttribute("data-msg-minutes").replace("{n}", mins));
      }
    });
    if (remaining === 60) { say(form.getAttribute("data-msg-one-minute")); timer.classList.add("urgent"); }
    if (remaining === 0) {
      close();
      say(form.getAttribute("data-msg-closed"), true);
      clearInterval(handle);
    }
  }
  var handle = timer ? setInterval(tick, 1000) : null;
})();
