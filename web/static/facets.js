// The filter box of a facet's 更多 list: typing narrows the list (二七 -> 二七区). Without
// JavaScript the whole list shows. Delegated, so it works on lists htmx swaps in.
document.addEventListener("input", function (event) {
  var box = event.target;
  if (!box.classList || !box.classList.contains("facet-filter")) return;
  var wanted = box.value.trim();
  var list = box.parentNode.querySelector(".more-values");
  if (!list) return;
  list.querySelectorAll("li").forEach(function (item) {
    var label = item.querySelector(".label");
    item.hidden = wanted !== "" && (label ? label.textContent : item.textContent).indexOf(wanted) < 0;
  });
});
