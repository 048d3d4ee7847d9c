/* Internal note: a click on a colleague in the list writes "@login " into the note. Without
   JavaScript the list still says whom to name; typing @login works the same. */
(function () {
  "use strict";
  function field() {
    return document.querySelector("textarea[name=text]");
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-mention]");
    if (!button) return;
    var area = field();
    if (!area) return;
    var mention = "@" + button.getAttribute("data-mention") + " ";
    var text = area.value;
    var at = typeof area.selectionStart === "number" ? area.selectionStart : text.length;
    var before = text.slice(0, at);
    if (before && !/\s$/.test(before)) mention = " " + mention;
    area.value = before + mention + text.slice(at);
    area.focus();
    var caret = at + mention.length;
    area.setSelectionRange(caret, caret);
    area.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
