// Emailed links: get a blind-signed token (RFC 9474, RSABSSA-SHA384-PSS-Randomized).
//
// The link is /t/<survey>#<ticket>; the ticket stays in the fragment, which the browser
// never sends. On "Get my token" this page:
//   1. fetches the survey's public key (GET /s/<survey>/key) and shows its fingerprint;
//   2. makes a random message, "muster/<survey>/<unit>/" + 32 random bytes, prepares it
//      (32 more random bytes in front) and blinds it with @cloudflare/blindrsa-ts, served
//      from this site (vendor/), using the browser's WebCrypto;
//   3. sends only the ticket and the blinded message (POST /s/<survey>/issue);
//   4. unblinds the signature and verifies it (finalize checks it with WebCrypto);
//   5. keeps the token, base64url(prepared message || signature), in this browser's
//      localStorage for this survey. It is sent nowhere until the answers are.
// Nothing is logged, and no cookie is set.
import { RSABSSA } from "/static/vendor/blindrsa-ts-0.4.4.js";

const VARIANT = "RSABSSA-SHA384-PSS-Randomized";
const TICKET = /^([1-9][0-9]{0,18})\.[A-Za-z0-9_-]{23}$/;
const app = document.getElementById("token-app");
const survey = app.dataset.survey;
const storageKey = "muster-token:" + survey;
const encoder = new TextEncoder();

function show(id) {
  for (const step of ["step-start", "step-working", "step-no-ticket", "step-unsupported", "step-ready"]) {
    document.getElementById(step).hidden = step !== id;
  }
}

function fail(kind) {
  const box = document.getElementById("token-error");
  for (const message of box.querySelectorAll("[data-error]")) {
    message.hidden = message.dataset.error !== kind;
  }
  box.hidden = false;
  box.focus?.();
}

function toBase64url(bytes) {
  let text = "";
  for (const byte of bytes) {
    text += String.fromCharCode(byte);
  }
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text) {
  const plain = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(plain, (ch) => ch.charCodeAt(0));
}

async function sha256hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

// The first 20 hex digits in groups of four, as the notice board shows them.
function shortFingerprint(hex) {
  return hex.slice(0, 20).toUpperCase().match(/.{4}/g).join(" ");
}

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function kept() {
  try {
    const value = JSON.parse(storage()?.getItem(storageKey) || "null");
    return value && typeof value.token === "string" ? value : null;
  } catch {
    return null;
  }
}

function ready(token) {
  const box = document.getElementById("fingerprint-box");
  document.getElementById("fingerprint").textContent = token.fingerprint;
  box.hidden = false;
  show("step-ready");
}

async function getToken(ticket, unit) {
  show("step-working");
  let response;
  try {
    response = await fetch(`/s/${survey}/key`, { credentials: "omit", cache: "no-store" });
  } catch {
    show("step-start");
    return fail("network");
  }
  if (!response.ok) {
    show("step-start");
    return fail("wave-not-open");
  }
  const key = await response.json();
  const der = fromBase64url(key.public_key);
  const fingerprint = await sha256hex(der);
  if (key.variant !== VARIANT || fingerprint !== key.fingerprint) {
    show("step-start");
    return fail("check");
  }
  const publicKey = await crypto.subtle.importKey(
    "spki", der, { name: "RSA-PSS", hash: "SHA-384" }, true, ["verify"],
  );
  const suite = RSABSSA.SHA384.PSS.Randomized();
  const label = encoder.encode(`muster/${survey}/${unit}/`);
  const message = new Uint8Array(label.length + 32);
  message.set(label);
  message.set(crypto.getRandomValues(new Uint8Array(32)), label.length);
  const prepared = suite.prepare(message);
  const { blindedMsg, inv } = await suite.blind(publicKey, prepared);
  try {
    response = await fetch(`/s/${survey}/issue`, {
      method: "POST",
      credentials: "omit",
      cache: "no-store",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ticket, blinded_msg: toBase64url(blindedMsg) }),
    });
  } catch {
    show("step-start");
    return fail("network");
  }
  if (!response.ok) {
    let type = "";
    try {
      type = (await response.json()).type || "";
    } catch {
      type = "";
    }
    const kind = type.slice(type.lastIndexOf("/") + 1);
    show("step-start");
    return fail(["ticket-spent", "ticket-unknown", "wave-not-open"].includes(kind) ? kind : "check");
  }
  // The ticket is spent: take it out of the address bar and history.
  history.replaceState(null, "", location.pathname + location.search);
  const blindSig = fromBase64url((await response.json()).blind_sig);
  let signature;
  try {
    signature = await suite.finalize(publicKey, prepared, blindSig, inv);
    if (!(await suite.verify(publicKey, signature, prepared))) {
      throw new Error("invalid signature");
    }
  } catch {
    show("step-no-ticket");
    return fail("check");
  }
  const whole = new Uint8Array(prepared.length + signature.length);
  whole.set(prepared);
  whole.set(signature, prepared.length);
  const token = { token: toBase64url(whole), fingerprint: shortFingerprint(fingerprint) };
  try {
    storage().setItem(storageKey, JSON.stringify(token));
  } catch {
    // No storage (some private modes): the token can still answer now, through the
    // fragment of the survey address, which is never sent to the server either.
    const answer = document.getElementById("answer-now");
    answer.href = `${answer.getAttribute("href")}#token=${token.token}`;
    document.getElementById("keep-later").hidden = true;
    fail("storage");
  }
  ready(token);
}

function start() {
  if (!window.crypto?.subtle || !window.TextEncoder) {
    show("step-unsupported");
    return;
  }
  document.getElementById("keep-later").addEventListener("click", () => {
    document.getElementById("step-later").hidden = false;
  });
  const token = kept();
  if (token) {
    ready(token);
    return;
  }
  const ticket = decodeURIComponent(location.hash.slice(1));
  const match = TICKET.exec(ticket);
  if (!match) {
    show("step-no-ticket");
    return;
  }
  // The language switch reloads the page: keep the ticket in the fragment it reloads.
  for (const link of document.querySelectorAll("nav.lang a")) {
    link.href = `${link.getAttribute("href")}${location.hash}`;
  }
  show("step-start");
  const button = document.getElementById("get-token");
  button.addEventListener("click", () => {
    button.disabled = true;
    getToken(ticket, match[1]).finally(() => {
      button.disabled = false;
    });
  });
}

start();
