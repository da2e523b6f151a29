// The survey page's only script. The page works without it; with it:
// - a code carried in the link's fragment (#7K3M-... or #open-...) is put into the code
//   field, and the fragment is then removed from the address bar and from history, so
//   the code is not left behind in the browser. Fragments are never sent to a server.
// - the code is shown in groups of four, as on the card, and a code with a typing mistake
//   is pointed out before the form is sent (the server checks it again in any case);
//   Enter in the code field moves on to the first question instead of sending the form.
// - the answers and the code are kept in this tab's own storage (sessionStorage: gone when
//   the tab closes, never shared with another tab or the next person who opens the link on
//   a shared device) while they are given, so a reload or a call-out that leaves the tab
//   open loses nothing; they are sent only with the form, and every page of the survey
//   without a form (thank-you, closed, not found) removes them.
// - the error summary of a refused submission takes the focus (autofocus does it too).
(function () {
  "use strict";
  var match = /^\/s\/([A-Za-z0-9_-]{8,64})$/.exec(window.location.pathname);
  var answersKey = match ? "muster-answers:" + match[1] : null;
  var codeKey = match ? "muster-code:" + match[1] : null;

  function store(kind) {
    try {
      return window[kind];
    } catch (ignored) {
      return null;
    }
  }
  var session = store("sessionStorage");

  function forget(storage, key) {
    if (storage && key) {
      try {
        storage.removeItem(key);
      } catch (ignored) {
        // nothing to forget
      }
    }
  }

  function remember(storage, key, value) {
    if (storage && key) {
      try {
        storage.setItem(key, value);
      } catch (ignored) {
        // full or refused: the page still works, the answers are only not kept
      }
    }
  }

  var form = document.getElementById("survey");
  if (!form) {
    // Thank-you, closed or not found: nothing is left to answer, so this tab forgets.
    forget(session, answersKey);
    forget(session, codeKey);
    return;
  }

  var summary = document.getElementById("error-summary");
  if (summary && document.activeElement !== summary) {
    summary.focus();
  }

  // --- answers kept on this device -----------------------------------------------------
  function radios() {
    return form.querySelectorAll("input[type=radio]");
  }

  function saveAnswers() {
    var kept = {};
    var all = radios();
    for (var i = 0; i < all.length; i += 1) {
      if (all[i].checked) {
        kept[all[i].name] = all[i].value;
      }
    }
    remember(session, answersKey, JSON.stringify(kept));
  }

  function restoreAnswers() {
    var all = radios();
    for (var i = 0; i < all.length; i += 1) {
      if (all[i].checked) {
        saveAnswers(); // the server sent the answers back: they are the ones to keep
        return;
      }
    }
    var kept = null;
    try {
      kept = JSON.parse((session && answersKey && session.getItem(answersKey)) || "null");
    } catch (ignored) {
      kept = null;
    }
    if (!kept || typeof kept !== "object") {
      return;
    }
    for (var j = 0; j < all.length; j += 1) {
      if (kept[all[j].name] === all[j].value) {
        all[j].checked = true;
      }
    }
  }

  restoreAnswers();
  form.addEventListener("change", function (event) {
    if (event.target && event.target.type === "radio") {
      saveAnswers();
    }
  });

  // --- the code field ------------------------------------------------------------------
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
  if (!field.value && session && codeKey) {
    field.value = session.getItem(codeKey) || "";
  }

  // The same check symbol as service/invitations/codes.py: a weighted sum over GF(32).
  var ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  var LENGTH = 27;

  function timesAlpha(value) {
    value = value << 1;
    return value & 32 ? value ^ 37 : value;
  }

  function cleaned(text) {
    // An open link's code is checked like a card's, without its "open-" prefix.
    return text.replace(/^\s*open[\s-]*/i, "").toUpperCase().replace(/[\s-]/g, "")
      .replace(/[IL]/g, "1").replace(/O/g, "0");
  }

  function looksMistyped(text) {
    var symbols = cleaned(text);
    if (symbols.length !== LENGTH) {
      return false; // incomplete: the server says what is missing
    }
    var total = 0;
    for (var i = 0; i < LENGTH - 1; i += 1) {
      var index = ALPHABET.indexOf(symbols.charAt(i));
      if (index < 0) {
        return false;
      }
      total = timesAlpha(total) ^ index;
    }
    return ALPHABET.charAt(timesAlpha(total)) !== symbols.charAt(LENGTH - 1);
  }

  function grouped() {
    // Groups of four, as printed on the card; an open link keeps its "open-" prefix.
    var text = field.value;
    var prefix = /^\s*open[\s-]*/i.test(text) ? "open-" : "";
    var symbols = cleaned(text);
    if (symbols.length !== LENGTH || /[^0-9A-Z]/.test(symbols)) {
      return;
    }
    field.value = prefix + symbols.match(/.{1,4}/g).join("-");
  }

  function updateHint() {
    if (hint) {
      hint.hidden = field.value.trim() !== "";
    }
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
    remember(session, codeKey, field.value);
    if (checkMessage && !checkMessage.hidden) {
      updateCheck();
    }
  });
  field.addEventListener("change", function () {
    grouped();
    updateCheck();
  });
  field.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      // Enter (or Go) means "done with the code": on to the first question.
      event.preventDefault();
      grouped();
      updateCheck();
      var first = form.querySelector("input[type=radio]");
      if (first) {
        first.focus();
      }
    }
  });
  grouped();
  remember(session, codeKey, field.value);
  updateHint();
  updateCheck();
})();
