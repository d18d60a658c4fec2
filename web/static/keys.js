// Keyboard between hits on a results page: j / k (outside a text field) move to the next / previous
// hit's title, and so do ArrowDown / ArrowUp once a hit has the focus. Enter opens it, as any link.
// The hits change when htmx swaps the results, so they are looked up at each key press.
(function () {
  "use strict";
  function hitLinks() {
    return Array.from(document.querySelectorAll("ol.hits .hit-title a"));
  }
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.target.closest("input, textarea, select, [contenteditable]")) {
      return;
    }
    const links = hitLinks();
    if (!links.length) {
      return;
    }
    const at = links.indexOf(document.activeElement);
    let step = 0;
    if (event.key === "j") { step = 1; }
    if (event.key === "k") { step = -1; }
    if (at >= 0 && event.key === "ArrowDown") { step = 1; }
    if (at >= 0 && event.key === "ArrowUp") { step = -1; }
    if (!step) {
      return;
    }
    event.preventDefault();
    const next = at < 0 ? (step > 0 ? 0 : links.length - 1) : Math.min(links.length - 1, Math.max(0, at + step));
    links[next].focus();
    links[next].closest(".hit").scrollIntoView({ block: "nearest" });
  });
})();

// 打印: the page as print.css lays it out (the button needs JavaScript, so it shows only with it).
(function () {
  "use strict";
  document.querySelectorAll("button.print-button").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
