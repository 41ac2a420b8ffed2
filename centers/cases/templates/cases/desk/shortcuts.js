/* The desk's keyboard shortcuts: Alt+<key> acts on the element marked data-shortcut="<key>"
   (a field gets the focus, a radio or checkbox is chosen, a button or link is pressed). Plain
   accesskey is not used: browsers differ on its modifier and some take Alt+digit for tabs. */
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    /* The physical key: on a Mac Alt+B types "∫", but its code is still "KeyB". */
    var match = /^Key([A-Z])$/.exec(event.code || "");
    if (!match) return;
    var key = match[1].toLowerCase();
    var target = document.querySelector('[data-shortcut="' + key + '"]');
    if (!target || target.disabled || target.closest("[hidden]")) return;
    event.preventDefault();
    var tag = target.tagName.toLowerCase();
    var type = (target.getAttribute("type") || "").toLowerCase();
    if (tag === "a" || tag === "button" || type === "radio" || type === "checkbox" || type === "submit") {
      target.focus();
      target.click();
    } else {
      target.focus();
      if (target.select && tag === "input") target.select();
    }
  });
})();
