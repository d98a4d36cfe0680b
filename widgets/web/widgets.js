// Mounts every [data-widget] on the page: lazy live mode, progress, errors, URL state.
//
// States (root[data-state]): static -> loading -> live, or -> error.  A widget
// goes live when it has been in view while the page is idle, on the first
// touch of one of its controls, or at once when the URL carries settings for
// it.  Python runs in one module Web Worker per page session (worker.js);
// this file only forwards control values to it and draws the frames it
// returns (see applyFrame) -- it never computes a model result.

const mounted = new WeakSet();
const LOAD_TIMEOUT_MS = 60_000;
let client = null;

/** Mount the widgets in `doc` that are not mounted yet (safe to call on every page swap). */
export function mount(doc, cfg) {
  for (const root of doc.querySelectorAll("[data-widget]")) {
    if (mounted.has(root)) continue;
    mounted.add(root);
    new Widget(root, cfg).arm();
  }
}

// ---------------------------------------------------------------- worker client

class Client {
  constructor(cfg, runtime, wheel, snapshot) {
    this.seq = 0;
    this.pending = new Map();
    this.listeners = new Set();
    this.worker = new Worker(`${cfg.base}worker.js?v=${encodeURIComponent(cfg.build)}`, { type: "module", name: "inferlab" });
    this.worker.onmessage = (ev) => this.receive(ev.data);
    this.worker.onerror = (ev) => {
      ev.preventDefault();
      this.failAll(new Error(ev.message || "the worker script failed to load"));
    };
    const init = this.call("init", {
      pyodide: `${cfg.base}${runtime}/`,
      wheel: `${cfg.base}${wheel}?v=${encodeURIComponent(cfg.build)}`,
      snapshot: snapshot ? `${cfg.base}${snapshot}?v=${encodeURIComponent(cfg.build)}` : null,
    });
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("loading timed out")), LOAD_TIMEOUT_MS));
    this.ready = Promise.race([init, timeout]);
    this.ready.catch(() => this.worker.terminate());
  }

  receive(msg) {
    if (msg.type === "progress") {
      for (const fn of this.listeners) fn(msg);
      return;
    }
    const entry = this.pending.get(msg.id);
    if (!entry) return;
    this.pending.delete(msg.id);
    if (msg.ok) entry.resolve(msg.result);
    else entry.reject(new Error(msg.error));
  }

  failAll(err) {
    this.failed = err;
    for (const entry of this.pending.values()) entry.reject(err);
    this.pending.clear();
  }

  call(fn, payload = {}) {
    if (this.failed) return Promise.reject(this.failed);
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: "call", id, fn, payload });
    });
  }
}

function getClient(cfg, root) {
  if (!client || client.failed) {
    const { runtime, wheel, snapshot } = root.dataset;
    client = new Client(cfg, runtime || "pyodide", wheel || "inferlab-0.1.0-py3-none-any.whl", snapshot || null);
  }
  return client;
}

// ---------------------------------------------------------------- URL state

/** Settings for widget `name` carried by the URL's query (`?pipeline.workers=16`). */
export function readUrl(name) {
  const out = {};
  for (const [key, value] of new URLSearchParams(location.search)) {
    if (key.startsWith(`${name}.`)) out[key.slice(name.length + 1)] = value;
  }
  return out;
}

/** Write `options` (validated by Python) into the URL, omitting the starting values. */
export function writeUrl(name, options, starting) {
  const params = new URLSearchParams(location.search);
  for (const key of [...params.keys()]) if (key.startsWith(`${name}.`)) params.delete(key);
  for (const [key, value] of Object.entries(options)) {
    if (JSON.stringify(value) === JSON.stringify(starting[key])) continue;
    params.set(`${name}.${key}`, typeof value === "boolean" ? (value ? "on" : "off") : String(value));
  }
  const query = params.toString();
  const url = `${location.pathname}${query ? `?${query}` : ""}${location.hash}`;
  if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(history.state, "", url);
}

// ---------------------------------------------------------------- drawing

/** Draw a frame from Python into the widget (text, attributes, SVG); nothing is computed here. */
export function applyFrame(root, frame) {
  for (const [key, m] of Object.entries(frame.metrics || {})) {
    const el = root.querySelector(`[data-metric="${key}"]`);
    if (!el) continue;
    if (el.textContent !== m.text) el.textContent = m.text;
    el.dataset.value = m.value === null || m.value === undefined ? "" : JSON.stringify(m.value);
    if (m.level) el.dataset.level = m.level;
  }
  if (frame.status) {
    const el = root.querySelector("[data-status]");
    if (el && el.textContent !== frame.status.text) el.textContent = frame.status.text;
    if (el) el.dataset.level = frame.status.level;
  }
  for (const [name, svg] of Object.entries(frame.charts || {})) {
    const el = root.querySelector(`[data-chart="${name}"]`);
    if (el && el.__svg !== svg) {
      el.innerHTML = svg;
      el.__svg = svg;
    }
  }
  for (const [id, node] of Object.entries(frame.nodes || {})) {
    const el = root.querySelector(`[data-node="${id}"]`);
    if (el) el.dataset.level = node.level;
    const text = root.querySelector(`[data-node-text="${id}"]`);
    if (text && text.textContent !== node.text) text.textContent = node.text;
  }
  for (const [id, seconds] of Object.entries(frame.flows || {})) {
    const el = root.querySelector(`[data-flow="${id}"]`);
    if (!el) continue;
    el.style.setProperty("--ifw-flow", seconds > 0 ? `${seconds}s` : "0s");
    el.dataset.active = seconds > 0 ? "true" : "false";
  }
  const form = root.querySelector("form");
  for (const [name, c] of Object.entries(frame.controls || {})) {
    const input = form?.elements.namedItem(name);
    if (!input) continue;
    for (const attr of ["min", "max", "step", "placeholder"]) if (c[attr] !== undefined) input.setAttribute(attr, c[attr]);
    if (c.value !== undefined && document.activeElement !== input) setValue(input, c.value);
  }
  for (const [name, show] of Object.entries(frame.show || {})) {
    for (const el of root.querySelectorAll(`[data-show="${name}"]`)) el.hidden = !show;
  }
  if (frame.errors) {
    for (const el of root.querySelectorAll("[data-error-for]")) {
      const name = el.dataset.errorFor;
      const msg = frame.errors[name] || "";
      el.hidden = !msg;
      if (el.textContent !== msg) el.textContent = msg;
      form?.elements.namedItem(name)?.setAttribute?.("aria-invalid", msg ? "true" : "false");
    }
  }
  if (frame.announce !== undefined) {
    const el = root.querySelector("[data-announce]");
    if (el && el.textContent !== frame.announce) el.textContent = frame.announce;
  }
}

function setValue(input, value) {
  if (input.type === "checkbox") input.checked = value === true || value === "on";
  else input.value = String(value);
  echo(input);
}

/** Mirror a slider's position in its <output> (the control's own value, not a result). */
function echo(input) {
  const out = input.closest(".ifw-field")?.querySelector(`output[data-out="${input.name}"]`);
  if (out) out.textContent = input.value;
}

/** The controls' current values, as the text/booleans Python validates. */
export function readForm(root) {
  const values = {};
  const form = root.querySelector("form");
  if (!form) return values;
  for (const el of form.elements) {
    if (!el.name || el.type === "button" || el.type === "submit") continue;
    values[el.name] = el.type === "checkbox" ? el.checked : el.value;
  }
  return values;
}

// ---------------------------------------------------------------- one widget

class Widget {
  constructor(root, cfg) {
    this.root = root;
    this.cfg = cfg;
    this.name = root.dataset.widget;
    this.starting = JSON.parse(root.dataset.options || "{}");
    this.queued = [];
  }

  arm() {
    const root = this.root;
    const form = root.querySelector("form");
    form?.addEventListener("submit", (ev) => ev.preventDefault());
    form?.addEventListener("input", (ev) => echo(ev.target));
    const touch = (ev) => {
      if (ev.target.closest?.("form")) this.need("interaction");
    };
    for (const type of ["pointerdown", "keydown", "focusin", "input", "change"]) root.addEventListener(type, touch, { capture: true });
    root.addEventListener("click", (ev) => {
      const action = ev.target.closest?.("[data-action]")?.dataset.action;
      if (action && this.state() !== "live") this.queued.push(action);
    });

    const shared = readUrl(this.name);
    if (Object.keys(shared).length) {
      for (const [key, value] of Object.entries(shared)) {
        const input = form?.elements.namedItem(key);
        if (input) setValue(input, value);
      }
      this.need("url");
      return;
    }
    if (navigator.connection?.saveData) return;
    const io = new IntersectionObserver((entries) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      io.disconnect();
      whenIdle(() => {
        if (root.isConnected) this.need("visible");
      });
    }, { threshold: 0.2 });
    io.observe(root);
  }

  state(value) {
    if (value) this.root.dataset.state = value;
    return this.root.dataset.state;
  }

  mode(text) {
    const el = this.root.querySelector("[data-mode]");
    if (el) el.textContent = text;
  }

  async need(reason) {
    if (this.state() !== "static") return;
    this.state("loading");
    this.mode("Loading the live model…");
    const bar = this.root.querySelector("[data-progress]");
    const progress = bar?.querySelector("progress");
    if (bar) bar.hidden = false;
    const onProgress = (msg) => {
      if (progress) progress.value = msg.pct;
      this.mode(`Loading the live model: ${msg.text}`);
    };
    let c;
    try {
      c = getClient(this.cfg, this.root);
      c.listeners.add(onProgress);
      const moduleUrl = `${this.cfg.base}${this.name}.js?v=${encodeURIComponent(this.cfg.build)}`;
      const [mod] = await Promise.all([import(moduleUrl), c.ready]);
      const ctx = {
        root: this.root,
        name: this.name,
        call: (fn, payload) => c.call(fn, payload),
        apply: (frame) => applyFrame(this.root, frame),
        readForm: () => readForm(this.root),
        writeUrl: (options) => writeUrl(this.name, options, this.starting),
        queued: this.queued,
        reason,
      };
      await mod.start(ctx);
      this.state("live");
      this.mode("Live: the model runs in your browser (Python in a Web Worker).");
    } catch (err) {
      this.fail(err);
    } finally {
      c?.listeners.delete(onProgress);
      if (bar) bar.hidden = true;
    }
  }

  fail(err) {
    this.state("error");
    this.mode("Live mode is unavailable here, so the controls are off; the numbers shown are the static preview for the starting settings.");
    for (const el of this.root.querySelectorAll("form input, form select, form button")) el.disabled = true;
    console.info("inferfolio widgets: live mode unavailable:", err?.message || err);
  }
}

function whenIdle(fn) {
  const go = () => ("requestIdleCallback" in window ? requestIdleCallback(fn, { timeout: 3000 }) : setTimeout(fn, 500));
  if (document.readyState === "complete") go();
  else window.addEventListener("load", go, { once: true });
}

/** Worker statistics for tests and benchmarks ({wasm_memory_bytes, started_from, start_ms}); null before live mode. */
export function stats() {
  return client && !client.failed ? client.call("stats") : Promise.resolve(null);
}
