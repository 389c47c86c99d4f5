/*
  What the chat page (/) and the teacher page (/teacher) share, served at /static/api.js as an
  ES module: no build step and nothing fetched from another origin.

  Every request goes through send(): it adds the API key kept in localStorage (one entry for
  both pages) as `Authorization: Bearer KEY`, and on 401 asks for a key in the page's key dialog
  and tries again with it (or fails, if the dialog is closed). A page has a #key-button and
  styles dialog.key; it calls keyDialog() once, with its own words, and the dialog is made here.
*/

export const $ = (id) => document.getElementById(id);

export const pct = (p) => `${Math.round(100 * p)}%`;

/* An element with text only, never HTML: props "text", "class", "on<event>" or attributes. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

export class ApiError extends Error {
  constructor(code, message, status) { super(message); this.code = code; this.status = status; }
}

/* The error in a reply: the service's {error: {code, message}}, or the HTTP status. */
export async function errorOf(response) {
  try {
    const body = await response.json();
    if (body && body.error) return new ApiError(body.error.code || "error", body.error.message || response.statusText, response.status);
  } catch (_) { /* not JSON */ }
  return new ApiError("http_" + response.status, `The server answered ${response.status} ${response.statusText}.`, response.status);
}

const KEY_STORE = "tutor.apiKey";

export function storedKey() {
  try { return localStorage.getItem(KEY_STORE) || ""; } catch (_) { return ""; }
}

export function forgetKey() {
  try { localStorage.removeItem(KEY_STORE); } catch (_) { /* nothing kept */ }
}

export async function send(path, init = {}) {
  for (;;) {
    const key = storedKey();
    const headers = new Headers(init.headers || {});
    if (key) headers.set("authorization", `Bearer ${key}`);
    let response;
    try { response = await fetch(path, { ...init, headers }); }
    catch (_) { throw new ApiError("network", "Could not reach the tutor service. Is it running?", 0); }
    if (response.status !== 401) return response;
    const refused = await errorOf(response);
    if (storedKey() !== key) continue;  // a key was entered meanwhile: try with it
    await askForKey(key ? `That key was refused: ${refused.message}` : "");
  }
}

/* JSON from a GET, or from a POST of ``body`` when one is given; an error reply throws. */
export async function api(path, body) {
  const init = body === undefined ? {} : {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  };
  const response = await send(path, init);
  if (!response.ok) throw await errorOf(response);
  return response.json();
}

/* The key dialog: one at a time, however many requests are waiting for it. */
const page = { declined: "", storedLabel: "", entered: () => {} };  // keyDialog() sets these
let keyWanted = null;

/* Adds the key dialog to the page. ``title`` and ``why``: its heading and what it asks for;
   ``labelClass``: the page's class for a field label; ``declined``: the error of the requests
   waiting when the dialog is closed; ``storedLabel``: the key button's text while a key is kept;
   ``entered``: what to do when a key is entered with no request waiting for it (say, reload). */
export function keyDialog({ title, why, labelClass, ...options }) {
  Object.assign(page, options);
  const dialog = el("dialog", { id: "key-dialog", class: "key", "aria-labelledby": "key-title", "aria-describedby": "key-why" },
    el("form", { id: "key-form", method: "dialog", onsubmit: keyEntered },
      el("h2", { id: "key-title", text: title }),
      el("p", { id: "key-why", text: why }),
      el("p", { id: "key-error", class: "error-text", role: "alert" }),
      el("label", { class: labelClass, for: "key-input", text: "API key" }),
      el("input", { id: "key-input", type: "password", autocomplete: "off", spellcheck: "false", required: true }),
      el("div", { class: "actions" },
        el("button", { class: "btn", type: "submit", text: "Use this key" }),
        el("button", { id: "key-cancel", class: "btn ghost", type: "button", text: "Cancel", onclick: keyDeclined }))));
  dialog.addEventListener("cancel", (event) => { event.preventDefault(); keyDeclined(); });
  document.body.append(dialog);
}

export function askForKey(problem) {
  $("key-error").textContent = problem;
  if (!keyWanted) {
    keyWanted = {};
    keyWanted.promise = new Promise((resolve, reject) => { keyWanted.resolve = resolve; keyWanted.reject = reject; });
    $("key-input").value = "";
    if (!$("key-dialog").open) $("key-dialog").showModal();
    $("key-input").focus();
  }
  return keyWanted.promise;
}

function keyEntered(event) {
  event.preventDefault();
  const key = $("key-input").value.trim();
  if (!key) return;
  try { localStorage.setItem(KEY_STORE, key); } catch (_) { /* private mode: this page only */ }
  $("key-dialog").close();
  showKeyButton();
  if (keyWanted) { keyWanted.resolve(); keyWanted = null; } else page.entered();
}

function keyDeclined() {
  if ($("key-dialog").open) $("key-dialog").close();
  if (keyWanted) {
    keyWanted.reject(new ApiError("unauthorized", page.declined, 401));
    keyWanted = null;
  }
  showKeyButton();
}

export function showKeyButton() {
  const button = $("key-button");
  button.textContent = storedKey() ? page.storedLabel : "Enter API key";
  button.hidden = false;
}
