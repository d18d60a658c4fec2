// 高级检索: show the query the form builds while it is filled in (the server builds it: one rule).
(function () {
  "use strict";
  const form = document.getElementById("advanced-form");
  const built = document.getElementById("built-query");
  const readAs = document.getElementById("built-read-as");
  if (!form || !built || !readAs) {
    return;
  }
  let timer = null;
  let latest = 0;
  function preview() {
    const ticket = ++latest;
    const params = new URLSearchParams(new FormData(form));
    params.delete("go");
    params.delete("preview");
    fetch(form.dataset.preview + "?" + params.toString(), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (payload) {
        if (!payload || ticket !== latest) {
          return;
        }
        built.textContent = payload.query || "（尚未填写）";
        readAs.replaceChildren();
        if (payload.query && payload.read_as !== payload.query) {
          const code = document.createElement("code");
          code.textContent = payload.read_as;
          readAs.append("理解为 ", code);
        }
      })
      .catch(function () {});
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(preview, 150);
  });
  form.addEventListener("change", preview);
})();
