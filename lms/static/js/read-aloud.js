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
  function label(name) { return box.getAttribute("data-label-" + name); }
  function say(text) { status.textContent = text; }

  var play = document.createElement("button");
  play.type = "button";
  play.className = "secondary";
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
    body.querySelectorAll("h2, h3, h4, p, li, td, th, figcaption").forEach(function (el) {
      var text = el.textContent.trim();
      if (text) { parts.push(text); }
    });
    return parts;
  }

  function start() {
    synth.cancel();
    var voice = voiceFor(lang);
    if (!voice && lang.indexOf("vi") === 0) { say(box.getAttribute("data-msg-novoice")); } else { say(box.getAttribute("data-msg-reading")); }
    var parts = chunks();
    parts.forEach(function (text, index) {
      var u = new SpeechSynthesisUtterance(text);
      u.lang = lang;
      if (voice) { u.voice = voice; }
      u.rate = 0.95;
      if (index === parts.length - 1) {
        u.onend = function () { reset(); say(box.getAttribute("data-msg-stopped")); };
      }
      synth.speak(u);
    });
    play.textContent = label("pause");
    stop.hidden = false;
  }

  function reset() {
    play.textContent = label("play");
    stop.hidden = true;
  }

  play.addEventListener("click", function () {
    if (synth.speaking && !synth.paused) {
      synth.pause();
      play.textContent = label("resume");
    } else if (synth.paused) {
      synth.resume();
      play.textContent = label("pause");
    } else {
      start();
    }
  });
  stop.addEventListener("click", function () {
    synth.cancel();
    reset();
    say(box.getAttribute("data-msg-stopped"));
  });
  window.addEventListener("pagehide", function () { synth.cancel(); });
})();
