/* Quiz page, on top of quiz.js: the question navigator kept current, "review later" marks
   saved as they change, and a dialog before submitting with questions unanswered or marked.
   Without this script the server does the same: the navigator's links, the marks posted
   with the form, and a confirmation page. */
(function () {
  "use strict";
  var form = document.getElementById("quiz-form");
  var nav = document.getElementById("quiz-nav");
  if (!form || !nav) { return; }
  var status = document.getElementById("quiz-status");
  var dialog = document.getElementById("confirm-submit");

  // One entry per question, in paper order: its number, list item, answer fieldset,
  // review-later box and navigator link.
  var questions = [];
  form.querySelectorAll("li.question").forEach(function (li) {
    var box = li.querySelector("input[name='flag']");
    if (!box) { return; }
    questions.push({
      number: li.id.replace("question-", ""), li: li, box: box,
      fieldset: li.querySelector("fieldset[data-version]"),
      link: nav.querySelector("a[href='#" + li.id + "']")
    });
  });

  function entryOf(element) {
    var li = element && element.closest ? element.closest("li.question") : null;
    for (var i = 0; i < questions.length; i++) { if (questions[i].li === li) { return questions[i]; } }
    return null;
  }

  // The browser's side of lms.quizzes.rules.is_answered: an option chosen, a text with more
  // than spaces, a matching pair chosen.
  function answered(fieldset) {
    var found = false;
    fieldset.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (el.type === "hidden") { return; }
      if (el.type === "radio" || el.type === "checkbox") { found = found || el.checked; return; }
      found = found || el.value.trim() !== "";
    });
    return found;
  }

  function refresh(q) {
    if (!q.link) { return; }
    var done = answered(q.fieldset), marked = q.box.checked;
    q.link.classList.toggle("answered", done);
    q.link.classList.toggle("flagged", marked);  // the signs ✓ ○ ⚑ come with the classes (quiz.css)
    q.link.querySelector(".qnav-state").textContent = ": " +
      nav.getAttribute(done ? "data-msg-answered" : "data-msg-unanswered") +
      (marked ? ", " + nav.getAttribute("data-msg-flagged") : "");
  }

  function say(text, warn) {
    if (!status) { return; }
    status.textContent = text;
    status.classList.toggle("warn", !!warn);
  }

  // Every mark is sent as the whole set, so a retry or two saves crossing change nothing.
  var flagsUnsent = false;
  function sendFlags() {
    if (form.hasAttribute("data-closed")) { return; }
    flagsUnsent = false;
    var flags = questions.filter(function (q) { return q.box.checked; })
      .map(function (q) { return parseInt(q.box.value, 10); });
    fetch(form.getAttribute("data-autosave-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": form.getAttribute("data-csrf") },
      body: JSON.stringify({ flags: flags })
    }).then(function (response) {
      if (response.status === 409) {
        form.setAttribute("data-closed", "1");
        return response.json().catch(function () { return {}; }).then(function (data) {
          say(data.message || form.getAttribute("data-msg-closed"), true);
        });
      }
      if (!response.ok) { throw new Error(String(response.status)); }
      say(form.getAttribute("data-msg-flags-saved"));
    }).catch(function () {
      flagsUnsent = true;  // sent again below, and with the form on Save or Submit anyway
      say(form.getAttribute("data-msg-offline"), true);
    });
  }
  setInterval(function () { if (flagsUnsent) { sendFlags(); } }, 10000);
  window.addEventListener("online", function () { if (flagsUnsent) { sendFlags(); } });

  form.addEventListener("change", function (event) {
    var q = entryOf(event.target);
    if (!q) { return; }
    if (event.target === q.box) { sendFlags(); }
    refresh(q);
  });
  form.addEventListener("input", function (event) {
    var q = entryOf(event.target);
    if (q && event.target !== q.box) { refresh(q); }
  });

  // Which question the learner is on, for the navigator (aria-current).
  var current = null;
  form.addEventListener("focusin", function (event) {
    var q = entryOf(event.target);
    if (!q || q === current) { return; }
    if (current && current.link) { current.link.removeAttribute("aria-current"); }
    if (q.link) { q.link.setAttribute("aria-current", "true"); }
    current = q;
  });

  // Going to a question puts the keyboard there too, on its chosen option or first field.
  function goTo(q) {
    q.li.scrollIntoView({ block: "start" });
    var target = q.fieldset.querySelector("input:checked") ||
      q.fieldset.querySelector("input:not([type=hidden]), select, textarea");
    (target || q.box).focus({ preventScroll: true });
  }
  function byHash(href) {
    var number = (href || "").split("#question-")[1];
    for (var i = 0; i < questions.length; i++) { if (questions[i].number === number) { return questions[i]; } }
    return null;
  }
  nav.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#question-']");
    var q = link && byHash(link.getAttribute("href"));
    if (q) { event.preventDefault(); goTo(q); }
  });

  if (!dialog || typeof dialog.showModal !== "function") { return; }  // the server asks instead

  var back = document.getElementById("confirm-back");
  var opener = null;
  var leaving = null;  // the question a link in the dialog goes to

  function fill(list, chosen) {
    var section = list.parentNode;
    list.textContent = "";
    chosen.forEach(function (q) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#question-" + q.number;
      link.textContent = dialog.getAttribute("data-msg-question").replace("{n}", q.number);
      item.appendChild(link);
      list.appendChild(item);
    });
    section.hidden = chosen.length === 0;
  }

  // Capture on the document runs before quiz.js's own submit listener on the form, which
  // sees the event cancelled and sends nothing.
  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (event.target !== form || !submitter || submitter.value !== "finish") { return; }
    if (form.hasAttribute("data-closed")) { return; }  // time is up: straight to the result
    var open = questions.filter(function (q) { return !answered(q.fieldset); });
    var marked = questions.filter(function (q) { return q.box.checked; });
    if (!open.length && !marked.length) { return; }  // nothing to ask: the server grades it
    event.preventDefault();
    document.getElementById("confirm-count").textContent = dialog.getAttribute("data-msg-count")
      .replace("{a}", String(questions.length - open.length)).replace("{t}", String(questions.length));
    fill(dialog.querySelector("#confirm-unanswered .qlinks"), open);
    fill(dialog.querySelector("#confirm-flagged .qlinks"), marked);
    opener = submitter;
    leaving = null;
    dialog.showModal();
    back.focus();
  }, true);

  back.addEventListener("click", function () { dialog.close(); });
  dialog.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#question-']");
    if (!link) { return; }
    event.preventDefault();
    leaving = byHash(link.getAttribute("href"));
    dialog.close();
  });
  // Closed by "Go back", Esc or a question's link: focus goes back where it came from, or
  // to the question chosen.
  dialog.addEventListener("close", function () {
    if (leaving) { goTo(leaving); } else if (opener) { opener.focus(); }
  });
})();
