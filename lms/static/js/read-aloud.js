/* "Read aloud": the browser's own speech synthesis, with a Vietnamese voice when there is one.
   Shown only where speechSynthesis exists; the lesson works without it. */
(function () {
  "use strict";
  var box = document.getElementById("read-aloud");
  var body = document.getElementById("lesson-body");
  if (!box || !body || !("speechSynthesis" in window)) { return; }
  var synth = window.speechSynthesis;
  var lang = box.getAttribute("data-lang") || "vi-VN";
  var status = box.querySelector(".read-aloud-status");
  // In a steps lesson (elderly learners) reading is on by default and stays on from step to step
  // and page to page until the learner presses "Stop". Browsers refuse speech before the first
  // tap on a page (user activation); then the intent is kept, and the next tap on "Read aloud"
  // or "Next step" starts reading.
  var steps = document.querySelector("[data-layout='steps']") !== null;
  var KEY = "lms-read-aloud";
  var active = false;
  function remember(on) { try { window.localStorage.setItem(KEY, on ? "on" : "off"); } catch (e) { /* private mode */ } }
  function wanted() {
    try { return window.localStorage.getItem(KEY) !== "off"; } catch (e) { return true; }
  }
  function label(name) { return box.getAttribute("data-label-" + name); }
  function say(text) { status.textContent = text; }

  var play = document.createElement("button");
  play.type = "button";
  play.className = steps ? "read-aloud-big" : "secondary";
  play.textContent = label("play");
  var stop = document.createElement("button");
  stop.type = "button";
  stop.className = "secondary";
  stop.textContent = label("stop");
  stop.hidden = true;
  box.insertBefore(stop, status);
  box.insertBefore(play, stop);
  box.hidden = false;

  function voiceFor(code) {
    var voices = synth.getVoices();
    var prefix = code.split("-")[0];
    for (var i = 0; i < voices.length; i++) {
      if (voices[i].lang && voices[i].lang.toLowerCase().indexOf(prefix) === 0) { return voices[i]; }
    }
    return null;
  }

  function chunks() {
    // One utterance per block keeps long lessons from being cut off by some engines.
    var parts = [];
    body.querySelectorAll("h2, h3, h4, p, li, td, th, figcaption, img[alt]").forEach(function (el) {
      if (el.closest("[hidden]")) { return; }  // another step of a steps lesson
      // A closed transcript repeats what the steps already said; opened, it is read.
      if (el.closest("details:not([open])")) { return; }
      // A picture's description is read where the picture is: it carries the step.
      var text = (el.tagName === "IMG" ? el.getAttribute("alt") : el.textContent).trim();
      if (text) { parts.push(text); }
    });
    return parts;
  }

  function start() {
    synth.cancel();
    var voice = voiceFor(lang);
    var prefix = lang.split("-")[0];
    if (!voice && prefix !== "vi" && prefix !== "en") {
      // A Vietnamese voice reading Khmer or Tày is worse than silence.
      say(box.getAttribute("data-msg-nolang"));
      return;
    }
    active = true;
    if (steps) { remember(true); }
    // Browsers load their voice list after the page; an empty list says nothing yet.
    var listed = synth.getVoices().length > 0;
    var message = box.getAttribute(!voice && listed && lang.indexOf("vi") === 0 ? "data-msg-novoice" : "data-msg-reading");
    // The buttons say "Pause"/"Stop" and the status "Reading" only once the engine has really
    // started: a browser that refuses speech, or has no voice, reports that instead.
    var refused = false;
    say("");
    var parts = chunks();
    parts.forEach(function (text, index) {
      var u = new SpeechSynthesisUtterance(text);
      u.lang = lang;
      if (voice) { u.voice = voice; }
      u.rate = 0.95;
      if (index === 0) {
        u.onstart = function () { if (!refused) { show("speaking"); say(message); } };
      }
      if (index === parts.length - 1) {
        u.onend = function () { reset(); say(box.getAttribute("data-msg-stopped")); };
      }
      u.onerror = function (event) {
        // Our own cancel (Stop, or the next step starting) is not a failure.
        if (refused || event.error === "interrupted" || event.error === "canceled") { return; }
        refused = true;
        synth.cancel();
        reset();
        if (event.error === "not-allowed") {
          // Keep `active`: the learner still wants reading, the browser only waits for a tap.
          say(box.getAttribute("data-msg-tap"));
        } else {
          // No engine or no voice at all (synthesis-failed, voice-unavailable...): say so once
          // instead of showing "Pause" over silence; the next page tries again.
          active = false;
          say(box.getAttribute("data-msg-failed"));
        }
      };
      if (!refused) { synth.speak(u); }
    });
  }

  // idle: "Read aloud"; speaking: "Pause" and "Stop"; paused: "Resume" and "Stop".
  function show(state) {
    play.textContent = label(state === "speaking" ? "pause" : state === "paused" ? "resume" : "play");
    play.classList.toggle("speaking", state === "speaking");
    stop.hidden = state === "idle";
  }

  function reset() { show("idle"); }

  play.addEventListener("click", function () {
    if (synth.speaking && !synth.paused) {
      synth.pause();
      show("paused");
    } else if (synth.paused) {
      synth.resume();
      show("speaking");
    } else {
      start();
    }
  });
  stop.addEventListener("click", function () {
    active = false;
    if (steps) { remember(false); }
    synth.cancel();
    reset();
    say(box.getAttribute("data-msg-stopped"));
  });
  window.addEventListener("pagehide", function () { synth.cancel(); });
  document.addEventListener("lesson:step", function () {
    if (active) { start(); }  // the step button was a tap: the browser lets us speak
  });
  if (steps && wanted()) {
    active = true;
    start();  // allowed where the browser permits it; otherwise onerror asks for a tap
  }
})();
