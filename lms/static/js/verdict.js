// After an upload the page reloads with the verdict far below the top on a phone: move focus to
// it, so a screen reader reads it out and a sighted user sees it without scrolling.
(function () {
  var verdict = document.getElementById("verdict");
  if (verdict) { verdict.focus(); }
})();
