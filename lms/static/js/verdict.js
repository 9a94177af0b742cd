// After an upload the page reloads with the verdict, or the form's error summary, far below the
// top on a phone: move focus to it, so a screen reader reads it out and a sighted user sees it
// without scrolling.
(function () {
  var target = document.getElementById("verdict") || document.querySelector(".error-summary[tabindex='-1']");
  if (target) { target.focus(); }
})();
