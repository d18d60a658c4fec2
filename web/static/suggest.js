// Suggestions under the search box: an ARIA combobox (WAI-ARIA APG "list autocomplete").
// The last term typed is completed from /suggest (phrases of the archive with document counts);
// ArrowDown/ArrowUp move through the list, Enter takes the active phrase and searches, Escape
// closes the list. Without JavaScript the box is a plain search field.
(function () {
  "use strict";
  const input = document.getElementById("q");
  const list = document.getElementById("suggestions");
  const form = document.getElementById("search-form");
  if (!input || !list || !form) {
    return;
  }
  const endpoint = list.dataset.endpoint;
  let items = [];
  let active = -1;
  let timer = null;
  let latest = 0;

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");

  function lastTerm(value) {
    const match = value.match(/(\S*)$/);
    return match ? match[1].replace(/^[-~"]+/, "") : "";
  }

  function close() {
    list.hidden = true;
    list.replaceChildren();
    items = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function show(suggestions) {
    list.replaceChildren();
    items = suggestions;
    active = -1;
    input.removeAttribute("aria-activedescendant");
    if (!items.length) {
      close();
      return;
    }
    items.forEach(function (item, index) {
      const option = document.createElement("li");
      option.id = "suggestion-" + index;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      const phrase = document.createElement("span");
      phrase.className = "phrase";
      phrase.textContent = item.phrase;
      const count = document.createElement("span");
      count.className = "count";
      count.textContent = item.count + " 篇";
      option.append(phrase, count);
      option.addEventListener("mousedown", function (event) {
        event.preventDefault(); // keep the focus in the box
        choose(index);
      });
      list.append(option);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function highlight(index) {
    const options = list.querySelectorAll("[role=option]");
    if (!options.length) {
      return;
    }
    active = (index + options.length) % options.length;
    options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === active ? "true" : "false");
    });
    input.setAttribute("aria-activedescendant", options[active].id);
    options[active].scrollIntoView({ block: "nearest" });
  }

  function choose(index) {
    const item = items[index];
    if (!item) {
      return;
    }
    const value = input.value;
    const term = lastTerm(value);
    input.value = value.slice(0, value.length - term.length) + item.phrase;
    close();
    form.requestSubmit();
  }

  function fetchSuggestions() {
    const term = lastTerm(input.value);
    if (!term) {
      close();
      return;
    }
    const ticket = ++latest;
    fetch(endpoint + "?q=" + encodeURIComponent(term), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
      .then(function (payload) {
        if (ticket === latest && document.activeElement === input) {
          show(payload.suggestions || []);
        }
      })
      .catch(function () { close(); });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(fetchSuggestions, 120);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (list.hidden) {
        if (event.key === "ArrowDown") {
          fetchSuggestions();
          event.preventDefault();
        }
        return;
      }
      event.preventDefault();
      highlight(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter" && !list.hidden && active >= 0) {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape" && !list.hidden) {
      event.preventDefault(); // a search field would clear itself
      close();
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });
  form.addEventListener("submit", function () { latest++; close(); });
})();
