// Emailed links (blind-signed tokens): the survey form and the thank-you page.
// - On the survey form of a links wave, the token this device kept for the survey (see
//   token.js) is put into the form's hidden `token` field; it leaves the device only with
//   the answers.
// - After the answers are stored (the thank-you page), or when the service says the token
//   was used already, the kept token is forgotten.
// Nothing else is read or written.
(function () {
  "use strict";
  var match = /^\/s\/([A-Za-z0-9_-]{8,64})$/.exec(window.location.pathname);
  if (!match) {
    return;
  }
  var storageKey = "muster-token:" + match[1];
  var storage = null;
  try {
    storage = window.localStorage;
  } catch (ignored) {
    storage = null;
  }
  var field = document.getElementById("token-field");
  if (!field) {
    // The thank-you page: the answers are stored, the token is spent.
    if (storage && document.querySelector(".resources")) {
      storage.removeItem(storageKey);
    }
    return;
  }
  if (field.getAttribute("data-token-spent") === "true" && storage) {
    storage.removeItem(storageKey);
  }
  var kept = null;
  try {
    kept = storage ? JSON.parse(storage.getItem(storageKey) || "null") : null;
  } catch (ignored) {
    kept = null;
  }
  var token = kept && typeof kept.token === "string" ? kept.token : "";
  // Without storage, token.js hands the token over in the fragment (never sent to a server).
  var handed = /^#token=([A-Za-z0-9_-]{64,2048})$/.exec(window.location.hash);
  if (handed) {
    token = token || handed[1];
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  document.getElementById("token").value = token;
  document.getElementById(token ? "token-present" : "token-missing").hidden = false;
})();
