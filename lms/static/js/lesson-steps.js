/* One step per screen for lessons with layout: steps (elderly learners, cheap phones).
   The lesson is split at its ## headings; without this script every step shows in order. */
(function () {
  "use strict";
  var nav = document.getElementById("lesson-steps");
  var body = document.getElementById("lesson-body");
  if (!nav || !body) { return; }

  var steps = [];
  var current = null;
  Array.prototype.slice.call(body.childNodes).forEach(function (node) {
    if (node.nodeType === 1 && node.tagName === "H2") {
      current = document.createElement("section");
      steps.push(current);
    } else if (!current) {
      current = document.createElement("section");
      steps.push(current);
    }
    current.appendChild(node);
  });
  // What comes before the first heading (a one-line introduction) shows with the first step.
  if (steps.length > 1 && !(steps[0].firstElementChild && steps[0].firstElementChild.tagName === "H2")) {
    while (steps[0].lastChild) { steps[1].insertBefore(steps[0].lastChild, steps[1].firstChild); }
    steps.shift();
  }
  steps.forEach(function (step) { step.className = "step"; body.appendChild(step); });
  if (steps.length < 2) { return; }

  var status = nav.querySelector(".steps-status");
  var prev = document.createElement("button");
  prev.type = "button";
  prev.className = "secondary step-prev";
  prev.textContent = nav.getAttribute("data-label-prev");
  var next = document.createElement("button");
  next.type = "button";
  next.className = "step-next";
  next.textContent = nav.getAttribute("data-label-next");
  nav.appendChild(prev);
  nav.appendChild(next);
  body.parentNode.insertBefore(nav, body.nextSibling);
  nav.hidden = false;

  // On the last step the big button leads on: it marks the lesson read (signed in) or opens
  // the next lesson or the final quiz, so nobody hunts for a small link under the sources.
  var markRead = document.querySelector("form.actions button[type=submit]");
  var nextLink = document.querySelector(".pager a[rel=next]");
  var onward = null;
  if (markRead || nextLink) {
    onward = document.createElement("button");
    onward.type = "button";
    onward.className = "step-next step-onward";
    onward.textContent = (markRead || nextLink).textContent.trim();
    onward.addEventListener("click", function () {
      if (markRead) { markRead.click(); } else { window.location.href = nextLink.href; }
    });
    nav.appendChild(onward);
  }

  // The step is kept in the address (#buoc-3): a reload, the phone's back button and a
  // switch to another language version return to it.
  function fromHash() {
    var m = /^#buoc-(\d+)$/.exec(window.location.hash);
    return m ? parseInt(m[1], 10) - 1 : 0;
  }
  document.querySelectorAll(".versions a[href]").forEach(function (link) {
    link.addEventListener("click", function () { link.href = link.href.split("#")[0] + window.location.hash; });
  });

  var index = 0;
  function show(i, moveFocus, remember) {
    index = Math.max(0, Math.min(steps.length - 1, i));
    steps.forEach(function (step, n) { step.hidden = n !== index; });
    status.textContent = nav.getAttribute("data-label-status")
      .replace("{n}", String(index + 1)).replace("{total}", String(steps.length));
    prev.disabled = index === 0;
    next.hidden = index === steps.length - 1;
    if (onward) { onward.hidden = !next.hidden; }
    if (remember) { window.history.pushState(null, "", "#buoc-" + (index + 1)); }
    if (moveFocus) {
      var heading = steps[index].querySelector("h2") || steps[index];
      heading.setAttribute("tabindex", "-1");
      heading.focus({ preventScroll: true });
      // Show the new step from the read-aloud buttons down, so "Stop" is in reach on a phone.
      var aloud = document.getElementById("read-aloud");
      (aloud && !aloud.hidden ? aloud : heading).scrollIntoView({ block: "start" });
    }
    document.dispatchEvent(new CustomEvent("lesson:step", { detail: { index: index, total: steps.length } }));
  }
  prev.addEventListener("click", function () { show(index - 1, true, true); });
  next.addEventListener("click", function () { show(index + 1, true, true); });
  window.addEventListener("popstate", function () { show(fromHash(), true, false); });
  show(fromHash(), false, false);
})();
