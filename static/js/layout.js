// Small layout helps for every page (loaded by base.html, deferred; pages work without it).
(function () {
  "use strict";

  // Note fields grow with what is typed. Browsers with CSS `field-sizing: content` (app.css) do it themselves.
  if (!(window.CSS && CSS.supports && CSS.supports("field-sizing", "content"))) {
    var grow = function (area) {
      area.style.height = "auto";
      area.style.height = area.scrollHeight + 2 + "px";
    };
    document.addEventListener("input", function (event) {
      if (event.target instanceof HTMLTextAreaElement) grow(event.target);
    });
    document.querySelectorAll("textarea").forEach(function (area) { if (area.value) grow(area); });
  }

  // A wide table that scrolls inside its box must be reachable by keyboard: give the box a focus stop and
  // a name (the nearest heading before it), only when it actually scrolls.
  function nameOf(box) {
    var caption = box.querySelector("caption");
    if (caption) return caption.textContent.trim();
    for (var node = box; node && node !== document.body; node = node.parentElement) {
      for (var prev = node.previousElementSibling; prev; prev = prev.previousElementSibling) {
        if (/^H[1-4]$/.test(prev.tagName)) return prev.textContent.trim();
      }
    }
    return document.title;
  }
  function markScrollers() {
    document.querySelectorAll(".table-scroll").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        if (!box.hasAttribute("aria-label")) box.setAttribute("aria-label", nameOf(box));
      } else if (box.getAttribute("tabindex") === "0" && box.dataset.keepTab === undefined) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
      }
    });
  }
  markScrollers();

  // Filters fold behind one button on a phone only: a wide screen has the room to show them open.
  if (window.matchMedia("(min-width: 48rem)").matches) {
    document.querySelectorAll("details.filter-fold").forEach(function (fold) { fold.open = true; });
  }
  window.addEventListener("resize", markScrollers);
})();
