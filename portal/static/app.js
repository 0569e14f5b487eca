// uchet portal: progressive enhancement only; every form works without this file.
(function () {
  "use strict";

  // Registration: the organisation field only for legal entities / ИП.
  function setupKindSwitch(form) {
    var legalOnly = form.querySelectorAll("[data-legal-only]");
    function update() {
      var checked = form.querySelector("input[name=kind]:checked");
      var legal = checked && checked.value === "legal";
      legalOnly.forEach(function (el) { el.hidden = !legal; });
    }
    form.querySelectorAll("input[name=kind]").forEach(function (r) { r.addEventListener("change", update); });
    update();
  }

  // «Населенный пункт»: search the directory as you type; a typed name not in the list is allowed too.
  function setupSettlement(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var hidden = document.getElementById("settlement_id");
    var url = input.getAttribute("data-search-url");
    var known = {};
    var timer = null;
    function sync() {
      hidden.value = known[input.value] ? String(known[input.value]) : "";
    }
    function search() {
      var q = input.value.trim();
      if (q.length < 1) { return; }
      fetch(url + "?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (items) {
          list.textContent = "";
          items.forEach(function (item) {
            known[item.label] = item.id;
            var option = document.createElement("option");
            option.value = item.label;
            option.label = item.res;
            list.appendChild(option);
          });
          sync();
        })
        .catch(function () { /* the field still accepts free text */ });
    }
    input.addEventListener("input", function () {
      sync();
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    input.addEventListener("change", sync);
  }

  // A form sent back with an error or a warning: the first one may be below the fold on a phone, so bring it
  // into view and put the cursor where the answer goes (the field, or the «Подтверждаю» box).
  function focusFirstProblem() {
    var problem = document.querySelector("#confirm, [aria-invalid=true]");
    if (!problem) { return; }
    problem.scrollIntoView({ block: "center" });
    problem.focus({ preventScroll: true });
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusFirstProblem();
    document.querySelectorAll("form[data-kind-switch]").forEach(setupKindSwitch);
    var settlement = document.querySelector("input[data-search-url]");
    if (settlement) { setupSettlement(settlement); }
  });
})();
