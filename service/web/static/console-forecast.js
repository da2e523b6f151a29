// The program form's forecast, live: when a setting changes, the form is sent as a
// "Preview forecast" (which saves nothing) and the page's forecast section is replaced by
// the answer's. Without JavaScript the "Preview forecast" button does the same.
(function () {
  "use strict";
  var section = document.getElementById("forecast");
  var form = section && section.closest("form");
  if (!form || !window.fetch || !window.DOMParser) return;
  var timer = null;
  var asked = 0;

  function refresh() {
    // Sent as a plain form (urlencoded), as the browser itself sends it.
    var body = new URLSearchParams(new FormData(form));
    body.set("action", "forecast");
    body.delete("apply_shares");
    var mine = ++asked;
    // getAttribute: the buttons named "action" shadow the form's own `action` property.
    fetch(form.getAttribute("action"), { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        if (mine !== asked) return;
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("forecast");
        var current = document.getElementById("forecast");
        if (fresh && current) current.innerHTML = fresh.innerHTML;
      })
      .catch(function () { /* the button still works */ });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  }

  form.addEventListener("change", later);
  form.addEventListener("input", later);
})();
