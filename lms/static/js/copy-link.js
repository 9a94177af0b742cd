/* Copy and share buttons for a link shown on the page, and a print button.
   Without JavaScript the buttons stay hidden: one tap on the link selects it (CSS user-select),
   and the browser's own menu copies, shares or prints it. */
(function () {
  "use strict";

  function say(button, key) {
    var holder = button.closest("[data-copy-status-copied]");
    var status = holder && holder.parentNode.querySelector(".copy-status");
    if (status) { status.textContent = holder.getAttribute("data-copy-status-" + key) || ""; }
  }

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function linkOf(button, attribute) {
    var target = document.getElementById(button.getAttribute(attribute));
    return target ? { element: target, text: (target.getAttribute("href") || target.textContent).trim() } : null;
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    if (!navigator.clipboard) { return; }  // no clipboard access (http, old browser): select by hand
    button.hidden = false;
    button.addEventListener("click", function () {
      var link = linkOf(button, "data-copy");
      if (!link) { return; }
      navigator.clipboard.writeText(link.text).then(function () {
        say(button, "copied");
      }, function () {
        selectText(link.element);
        say(button, "failed");
      });
    });
  });

  document.querySelectorAll("[data-share]").forEach(function (button) {
    if (!navigator.share) { return; }  // phones have it (Zalo, Messenger, SMS); most desktops do not
    button.hidden = false;
    button.addEventListener("click", function () {
      var link = linkOf(button, "data-share");
      if (link) {
        navigator.share({ title: button.getAttribute("data-share-title") || "", url: link.text }).catch(function () {});
      }
    });
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
}());
