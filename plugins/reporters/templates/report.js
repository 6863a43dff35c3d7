(function () {
  "use strict";
  var sev = document.getElementById("filter-severity");
  var rule = document.getElementById("filter-rule");
  var shown = document.getElementById("shown-count");
  var findings = Array.prototype.slice.call(document.querySelectorAll(".finding"));
  function apply() {
    var s = sev.value, r = rule.value, n = 0;
    findings.forEach(function (el) {
      var ok = (!r || el.getAttribute("data-rule") === r) &&
        (!s || (s === "waived" ? el.getAttribute("data-waived") === "1"
                               : el.getAttribute("data-severity") === s && el.getAttribute("data-waived") === "0"));
      el.classList.toggle("hidden", !ok);
      if (ok) { n += 1; }
    });
    Array.prototype.forEach.call(document.querySelectorAll(".group"), function (g) {
      g.classList.toggle("hidden", !g.querySelector(".finding:not(.hidden)"));
    });
    shown.textContent = n + " / " + findings.length;
    shown.setAttribute("data-shown", String(n));
  }
  sev.addEventListener("change", apply);
  rule.addEventListener("change", apply);
  apply();
}());
