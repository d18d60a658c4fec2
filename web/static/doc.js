// 上一处 / 下一处: step through the marked occurrences of the query on a document page.
(function () {
  "use strict";
  const marks = Array.from(document.querySelectorAll(".document mark"));
  const position = document.getElementById("mark-position");
  const previous = document.getElementById("prev-mark");
  const next = document.getElementById("next-mark");
  if (!marks.length || !position || !previous || !next) {
    return;
  }
  let current = -1;

  function show(index) {
    if (current >= 0) {
      marks[current].classList.remove("current");
    }
    current = (index + marks.length) % marks.length;
    const mark = marks[current];
    mark.classList.add("current");
    mark.scrollIntoView({ block: "center", behavior: "instant" });
    position.textContent = "第 " + (current + 1) + " / " + marks.length + " 处";
  }

  previous.hidden = false;
  next.hidden = false;
  previous.addEventListener("click", function () { show(current - 1); });
  next.addEventListener("click", function () { show(current + 1); });
  document.addEventListener("keydown", function (event) {
    if (event.target.closest("input, textarea, select") || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    if (event.key === "n" || event.key === "j") { show(current + 1); }
    if (event.key === "p" || event.key === "k") { show(current - 1); }
  });
  // Opened from a concordance line (?at=OFFSET#at): start at that occurrence, not the first.
  const at = document.getElementById("at");
  show(at ? Math.max(0, marks.indexOf(at)) : 0);
})();
