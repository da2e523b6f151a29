// Interoperability check: the npm package @cloudflare/blindrsa-ts (not Muster's vendored
// copy, not Muster's code) against a running Muster, over HTTP, with only the wire format of
// docs/anonymity.md ("Emailed links: the wire format").
//
//   node clients/blindrsa/interop.mjs <base_url> <survey_key> <ticket>
//
// Fetches the key, blinds a message, gets it signed, finalises (which verifies), answers
// the survey with the token, then checks that reusing the ticket (409 ticket-spent) and
// reusing the token (409 page) both fail. Prints one JSON line; exits 1 on any failure.
import { webcrypto } from "node:crypto";
import { RSABSSA } from "@cloudflare/blindrsa-ts";

const crypto = globalThis.crypto ?? webcrypto;
const [base, survey, ticket] = process.argv.slice(2);
if (!base || !survey || !ticket) {
  console.error("usage: node interop.mjs <base_url> <survey_key> <ticket>");
  process.exit(2);
}
const b64url = (bytes) => Buffer.from(bytes).toString("base64url");
const unb64url = (text) => new Uint8Array(Buffer.from(text, "base64url"));
const checks = [];

function check(name, ok, detail = "") {
  checks.push({ name, ok, ...(detail ? { detail } : {}) });
  if (!ok) {
    console.log(JSON.stringify({ ok: false, checks }));
    process.exit(1);
  }
}

async function submit(token) {
  const body = new URLSearchParams({
    form_key: b64url(crypto.getRandomValues(new Uint8Array(32))),
    lang: "en",
    token,
    // No answers: the survey page asks before spending, so this is the confirmed send.
    send_empty: "yes",
  });
  const response = await fetch(`${base}/s/${survey}`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body,
  });
  return { status: response.status, text: await response.text() };
}

const keyResponse = await fetch(`${base}/s/${survey}/key`);
check("GET key is 200", keyResponse.status === 200, String(keyResponse.status));
const key = await keyResponse.json();
check("variant", key.variant === "RSABSSA-SHA384-PSS-Randomized", key.variant);
const der = unb64url(key.public_key);
const digest = Buffer.from(await crypto.subtle.digest("SHA-256", der)).toString("hex");
check("fingerprint is SHA-256 of the DER key", digest === key.fingerprint);
const publicKey = await crypto.subtle.importKey(
  "spki", der, { name: "RSA-PSS", hash: "SHA-384" }, true, ["verify"],
);

const suite = RSABSSA.SHA384.PSS.Randomized();
const unit = ticket.split(".")[0];
const label = new TextEncoder().encode(`muster/${survey}/${unit}/`);
const message = new Uint8Array(label.length + 32);
message.set(label);
message.set(crypto.getRandomValues(new Uint8Array(32)), label.length);
const prepared = suite.prepare(message);
const { blindedMsg, inv } = await suite.blind(publicKey, prepared);

const issue = (blinded) => fetch(`${base}/s/${survey}/issue`, {
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ ticket, blinded_msg: b64url(blinded) }),
});
const issued = await issue(blindedMsg);
check("POST issue is 200", issued.status === 200, String(issued.status));
const blindSig = unb64url((await issued.json()).blind_sig);
const signature = await suite.finalize(publicKey, prepared, blindSig, inv); // verifies, or throws
check("the finalised signature verifies", await suite.verify(publicKey, signature, prepared));

const again = await issue(blindedMsg);
const problem = await again.json();
check("the ticket again is a 409 ticket-spent problem",
  again.status === 409 && problem.type.endsWith("/ticket-spent"), `${again.status} ${problem.type}`);

const whole = new Uint8Array(prepared.length + signature.length);
whole.set(prepared);
whole.set(signature, prepared.length);
const token = b64url(whole);
const answered = await submit(token);
check("answers with the token are thanked", answered.status === 200 && answered.text.includes("Thank you"),
  String(answered.status));
const twice = await submit(token);
check("the token again is refused", twice.status === 409, String(twice.status));

console.log(JSON.stringify({ ok: true, checks }));
