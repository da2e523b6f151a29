// The survey page's only script. The page works without it; with it:
// - a code carried in the link's fragment (#7K3M-... or #open-...) is put into the code
//   field, and the fragment is then removed from the address bar and from history, so
//   the code is not left behind in the browser. Fragments are never sent to a server.
// - a code with a typing mistake is pointed out before the form is sent (the server
//   checks it again in any case).
(function () {
  "use strict";
  var field = document.getElementById("code");
  if (!field) {
    return;
  }
  var hint = document.getElementById("code-hint");
  var checkMessage = document.getElementById("code-check");

  var fragment = window.location.hash ? window.location.hash.slice(1) : "";
  if (fragment) {
    var value = fragment;
    try {
      value = decodeURIComponent(fragment);
    } catch (ignored) {
      value = fragment;
    }
    if (/^[A-Za-z0-9_ -]{8,160}$/.test(value) && !field.value) {
      field.value = value;
    }
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    } else {
      window.location.hash = "";
    }
  }

  function updateHint() {
    if (hint) {
      hint.hidden = field.value.trim() !== "";
    }
  }

  // The same check symbol as service/invitations/codes.py: a weighted sum over GF(32).
  var ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  var LENGTH = 27;

  function timesAlpha(value) {
    value = value << 1;
    return value & 32 ? value ^ 37 : value;
  }

  function looksMistyped(text) {
    // An open link's code is checked like a card's, without its "open-" prefix.
    var cleaned = text.replace(/^\s*open[\s-]*/i, "").toUpperCase().replace(/[\s-]/g, "")
      .replace(/[IL]/g, "1").replace(/O/g, "0");
    if (cleaned.length !== LENGTH) {
      return false; // incomplete: the server says what is missing
    }
    var total = 0;
    for (var i = 0; i < LENGTH - 1; i += 1) {
      var index = ALPHABET.indexOf(cleaned.charAt(i));
      if (index < 0) {
        return false;
      }
      total = timesAlpha(total) ^ index;
    }
    return ALPHABET.charAt(timesAlpha(total)) !== cleaned.charAt(LENGTH - 1);
  }

  function updateCheck() {
    if (!checkMessage) {
      return;
    }
    var wrong = looksMistyped(field.value);
    checkMessage.hidden = !wrong;
    if (wrong) {
      field.setAttribute("aria-invalid", "true");
    } else if (!document.getElementById("code-error")) {
      field.removeAttribute("aria-invalid");
    }
  }

  field.addEventListener("input", function () {
    updateHint();
    if (checkMessage && !checkMessage.hidden) {
      updateCheck();
    }
  });
  field.addEventListener("change", updateCheck);
  updateHint();
  updateCheck();
})();
