// Mounts every [data-widget] on the page with one of two generic drivers.
//
// The markup and the frames come from Python (inferlab.ui); this file never
// computes a model result.  It enables the controls, goes live on demand
// (first touch, a preset, settings in the URL, or -- on a fast unmetered
// connection -- when the widget is in view), forwards control values to the
// worker session (verbs start/update/advance/action/export/stop), and draws
// the frames it returns by binding them to marked elements (applyFrame).
//
// States (root[data-state]): static -> loading -> live, or -> error.

import { Client, liveBytes } from "./client.js";

const mounted = new WeakSet();
let client = null;
let serial = 0;
const SCENARIO_KEY = "inferfolio.scenario";
/** Inputs a reader can carry from one widget to the others ("Use these settings on other pages"). */
const SCENARIO_INPUTS = ["model", "quant", "hardware", "gpus", "kv_type", "ctx", "prompt_tokens", "output_tokens", "batch"];

/** Mount the widgets in `doc` that are not mounted yet (safe to call on every page swap). */
export function mount(doc, cfg) {
  for (const root of doc.querySelectorAll("[data-widget]")) {
    if (mounted.has(root)) continue;
    mounted.add(root);
    new Widget(root, cfg).arm();
  }
}

function getClient(cfg, root) {
  if (!client || client.failed) client = new Client(cfg, root.dataset);
  return client;
}

/** Worker statistics for tests and benchmarks ({wasm_memory_bytes, started_from, start_ms}); null before live mode. */
export function stats() {
  return client && !client.failed ? client.call("stats") : Promise.resolve(null);
}

// ---------------------------------------------------------------- URL state

/** Settings for the widget whose key is `key`, from the URL's query (`?quant.ctx=8192`, `?quant-2.ctx=8192`). */
export function readUrl(key) {
  const out = {};
  for (const [name, value] of new URLSearchParams(location.search)) {
    if (name.startsWith(`${key}.`)) out[name.slice(key.length + 1)] = value;
  }
  return out;
}

/** The URL with `options` (validated by Python) for widget `key`, leaving out the starting values. */
function urlWith(key, options, starting, hash = location.hash) {
  const params = new URLSearchParams(location.search);
  for (const name of [...params.keys()]) if (name.startsWith(`${key}.`)) params.delete(name);
  for (const [name, value] of Object.entries(options)) {
    if (JSON.stringify(value) === JSON.stringify(starting[name]) || value === null) continue;
    params.set(`${key}.${name}`, typeof value === "boolean" ? (value ? "on" : "off") : String(value));
  }
  const query = params.toString();
  return `${location.pathname}${query ? `?${query}` : ""}${hash}`;
}

function writeUrl(key, options, starting) {
  const url = urlWith(key, options, starting);
  if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(history.state, "", url);
}

// ---------------------------------------------------------------- drawing

const ALLOWED_ATTR = /^(data-[a-z0-9-]+|aria-[a-z]+)$/;

/** Draw a frame from Python into the widget; nothing is computed here. */
export function applyFrame(root, frame) {
  const set = (el, text) => {
    if (el && el.textContent !== text) el.textContent = text;
  };
  for (const [key, m] of Object.entries(frame.metrics || {})) {
    const el = root.querySelector(`[data-metric="${CSS.escape(key)}"]`);
    if (!el) continue;
    set(el, m.text);
    el.dataset.value = m.value === null || m.value === undefined ? "" : JSON.stringify(m.value);
    if (m.level) el.dataset.level = m.level;
    else delete el.dataset.level;
  }
  if (frame.status) {
    const el = root.querySelector("[data-status]");
    set(el, frame.status.text);
    if (el) el.dataset.level = frame.status.level;
  }
  // Charts and generated markup are SVG/HTML made (and escaped) by the core.
  for (const group of ["charts", "html"]) {
    const attr = group === "charts" ? "data-chart" : "data-html";
    for (const [name, markup] of Object.entries(frame[group] || {})) {
      const el = root.querySelector(`[${attr}="${CSS.escape(name)}"]`);
      if (el && el.__markup !== markup) {
        el.innerHTML = markup;
        el.__markup = markup;
      }
    }
  }
  for (const [key, b] of Object.entries(frame.binds || {})) {
    const el = root.querySelector(`[data-bind="${CSS.escape(key)}"]`);
    if (!el) continue;
    if (b.text !== undefined) set(el, b.text);
    for (const [name, value] of Object.entries(b.attrs || {})) if (ALLOWED_ATTR.test(name)) el.setAttribute(name, value);
    for (const [name, value] of Object.entries(b.vars || {})) if (name.startsWith("ifw-")) el.style.setProperty(`--${name}`, value);
  }
  const form = root.querySelector("form");
  for (const [name, c] of Object.entries(frame.controls || {})) {
    const input = form?.elements.namedItem(name);
    if (!input) continue;
    for (const attr of ["min", "max", "step", "placeholder"]) if (c[attr] !== undefined) input.setAttribute(attr, c[attr]);
  }
  for (const [name, show] of Object.entries(frame.show || {})) {
    for (const el of root.querySelectorAll(`[data-show="${CSS.escape(name)}"]`)) el.hidden = !show;
  }
  if (frame.errors) {
    for (const el of root.querySelectorAll("[data-error-for]")) {
      const name = el.dataset.errorFor;
      const msg = frame.errors[name] || "";
      el.hidden = !msg;
      set(el, msg);
      form?.elements.namedItem(name)?.setAttribute?.("aria-invalid", msg ? "true" : "false");
    }
  }
  if (frame.announce !== undefined) set(root.querySelector("[data-announce]"), frame.announce);
}

/** Put Python's values into the controls (not the focused one: the reader is typing there). */
function showValues(root, options) {
  const form = root.querySelector("form");
  for (const [name, value] of Object.entries(options || {})) {
    const input = form?.elements.namedItem(name);
    if (input && document.activeElement !== input) setValue(input, value);
  }
}

function setValue(input, value) {
  if (input.type === "checkbox") input.checked = value === true || value === "on";
  else input.value = value === null || value === undefined ? "" : String(value);
  echo(input);
}

/** Mirror a slider's position in its <output> (the control's own value, not a result). */
function echo(input) {
  const out = input.closest?.(".ifw-field")?.querySelector(`output[data-out="${CSS.escape(input.name)}"]`);
  if (out) out.textContent = input.value;
}

/** The controls' current values, as the text/booleans Python validates. */
export function readForm(root) {
  const values = {};
  const form = root.querySelector("form");
  for (const el of form?.elements || []) {
    if (!el.name || el.type === "button" || el.type === "submit" || el.tagName === "FIELDSET") continue;
    values[el.name] = el.type === "checkbox" ? el.checked : el.value;
  }
  return values;
}

function whenIdle(fn) {
  const go = () => ("requestIdleCallback" in window ? requestIdleCallback(fn, { timeout: 3000 }) : setTimeout(fn, 500));
  if (document.readyState === "complete") go();
  else window.addEventListener("load", go, { once: true });
}

/** Going live on view only where the connection says it is fast and not metered; Save-Data always wins. */
function connectionAllowsPrefetch() {
  const c = navigator.connection;
  if (!c || c.saveData) return false;
  return c.effectiveType === "4g" && c.type !== "cellular" && !(c.downlink && c.downlink < 5);
}

function megabytes(bytes) {
  return `${(bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0)} MB`;
}

function readScenario() {
  try {
    const saved = JSON.parse(localStorage.getItem(SCENARIO_KEY) || "null");
    return saved && typeof saved === "object" && !Array.isArray(saved) ? saved : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- one widget

class Widget {
  constructor(root, cfg) {
    this.root = root;
    this.cfg = cfg;
    this.name = root.dataset.widget;
    this.key = root.dataset.key || this.name;
    this.kind = root.dataset.kind || "calculator";
    this.starting = JSON.parse(root.dataset.options || "{}");
    this.presets = JSON.parse(root.dataset.presets || "[]");
    this.form = root.querySelector("form");
    this.id = `${root.id}#${++serial}`;
    this.queued = [];
  }

  state(value) {
    if (value) this.root.dataset.state = value;
    return this.root.dataset.state;
  }

  mode(text) {
    const el = this.root.querySelector("[data-mode]");
    if (el) el.textContent = text;
  }

  arm() {
    const { root, form } = this;
    const fields = root.querySelector(".ifw__fields");
    if (fields) fields.disabled = false;
    const bytes = liveBytes(root.dataset);
    const size = bytes ? ` (about ${megabytes(bytes)} to download)` : "";
    this.mode(`Computed when this page was built. Change a setting to run the model live in your browser${size}.`);
    form?.addEventListener("submit", (ev) => ev.preventDefault());
    form?.addEventListener("input", (ev) => echo(ev.target));
    const touch = (ev) => {
      if (ev.target.closest?.("form")) this.need("interaction");
    };
    for (const type of ["pointerdown", "keydown", "input", "change"]) root.addEventListener(type, touch, { capture: true });
    root.addEventListener("click", (ev) => {
      const action = ev.target.closest?.("[data-action]")?.dataset.action;
      if (action && this.state() !== "live") this.queued.push({ action });
    });
    for (const radio of root.querySelectorAll(".ifw-preset__radio")) {
      radio.addEventListener("change", () => {
        const preset = Number(radio.value) === 0 ? this.starting : this.presets[Number(radio.value) - 1]?.values;
        if (!preset) return;
        if (this.state() === "live") this.send({ ...preset });
        else {
          this.queued.push({ values: { ...preset } });
          this.need("preset");
        }
      });
    }
    this.armTools();
    const shared = readUrl(this.key);
    const scenario = this.scenarioValues();
    if (Object.keys(shared).length || Object.keys(scenario).length) {
      showValues(root, { ...scenario, ...shared });
      this.need(Object.keys(shared).length ? "url" : "scenario");
      return;
    }
    if (!connectionAllowsPrefetch()) return;
    const io = new IntersectionObserver((entries) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      io.disconnect();
      whenIdle(() => root.isConnected && this.need("visible"));
    }, { threshold: 0.2 });
    io.observe(root);
  }

  /** The reader's saved scenario, limited to this widget's inputs. */
  scenarioValues() {
    const saved = readScenario();
    if (!saved) return {};
    const form = this.form;
    const out = {};
    for (const name of SCENARIO_INPUTS) if (name in saved && form?.elements.namedItem(name)) out[name] = saved[name];
    return out;
  }

  async need(reason) {
    if (this.state() !== "static") return;
    this.state("loading");
    this.mode("Loading the live model…");
    const bar = this.root.querySelector("[data-progress]");
    const progress = bar?.querySelector("progress");
    if (bar) bar.hidden = false;
    const onProgress = (msg) => {
      if (progress && msg.total) {
        progress.max = msg.total;
        progress.value = msg.loaded;
      }
      this.mode(msg.total ? `Loading the live model: ${megabytes(msg.loaded)} of ${megabytes(msg.total)}`
        : `Loading the live model: ${msg.text}`);
    };
    let c;
    try {
      c = getClient(this.cfg, this.root);
      c.listeners.add(onProgress);
      await c.ready;
      if (!this.root.isConnected) return;
      const preset = this.queued.filter((q) => q.values).pop()?.values;
      this.draw(await c.call("start", { id: this.id, widget: this.name, start: this.starting,
        values: { ...readForm(this.root), ...(preset || {}) } }));
      for (const q of this.queued.splice(0)) if (q.action) this.draw(await c.call("action", { id: this.id, name: q.action }));
      this.state("live");
      this.mode("Live: the model runs in your browser (Python in a Web Worker).");
      this.root.querySelector("[data-tools]")?.removeAttribute("hidden");
      this.listen(c);
      if (this.kind === "animated") this.animate(c);
    } catch (err) {
      this.fail(err);
    } finally {
      c?.listeners.delete(onProgress);
      if (bar) bar.hidden = true;
    }
  }

  draw(frame) {
    applyFrame(this.root, frame);
    showValues(this.root, frame.options);
    writeUrl(this.key, frame.options, this.starting);
  }

  /** Send changed controls; drop a reply that a newer request has overtaken. */
  async send(values) {
    const mine = (this.seq = (this.seq || 0) + 1);
    try {
      const frame = await this.client.call("update", { id: this.id, values });
      if (mine === this.seq) this.draw(frame);
    } catch (err) {
      this.trouble(err);
    }
  }

  /** A call failed: if the worker is gone the widget is off; otherwise say so and keep the last good state. */
  trouble(err) {
    if (this.client?.failed) return this.fail(err);
    this.mode(`Live, but that change was not applied: ${err?.message || err}`);
  }

  listen(c) {
    this.client = c;
    let pending = null;
    const later = () => {
      pending ??= requestAnimationFrame(() => {
        pending = null;
        this.send(readForm(this.root));
      });
    };
    this.form?.addEventListener("input", later);
    this.form?.addEventListener("change", later);
    this.root.addEventListener("click", async (ev) => {
      const action = ev.target.closest?.("[data-action]")?.dataset.action;
      if (!action || this.state() !== "live") return;
      try {
        this.draw(await c.call("action", { id: this.id, name: action }));
      } catch (err) {
        this.trouble(err);
      }
    });
  }

  /** Advance an animated widget by the wall time that passed; pause when hidden or off-screen. */
  animate(c) {
    const TICK_MS = 100;
    const REDUCED_TICK_MS = 500;
    const reduce = matchMedia("(prefers-reduced-motion: reduce)");
    const root = this.root;
    let visible = true;
    let timer = 0;
    let last = performance.now();
    let busy = false;
    const io = new IntersectionObserver((entries) => {
      visible = entries.some((e) => e.isIntersecting);
      if (visible) schedule(0);
    });
    io.observe(root);
    const onVisibility = () => !document.hidden && schedule(0);
    document.addEventListener("visibilitychange", onVisibility);
    const schedule = (delay) => {
      clearTimeout(timer);
      timer = setTimeout(tick, delay ?? (reduce.matches ? REDUCED_TICK_MS : TICK_MS));
    };
    const tick = async () => {
      if (!root.isConnected || this.state() !== "live") {
        io.disconnect();
        document.removeEventListener("visibilitychange", onVisibility);
        c.call("stop", { id: this.id }).catch(() => {});
        return;
      }
      const now = performance.now();
      if (document.hidden || !visible) {
        last = now; // a paused widget does not replay the time it was away
        return; // resumed by the observers above
      }
      if (busy) return schedule();
      const dt = Math.min((now - last) / 1000, 1);
      last = now;
      busy = true;
      try {
        const frame = await c.call("advance", { id: this.id, dt });
        requestAnimationFrame(() => applyFrame(root, frame));
      } catch (err) {
        this.fail(err);
        return;
      } finally {
        busy = false;
      }
      schedule();
    };
    schedule();
  }

  armTools() {
    const tools = this.root.querySelector("[data-tools]");
    if (!tools) return;
    const note = tools.querySelector("[data-tool-note]");
    const say = (text) => {
      if (note) note.textContent = text;
    };
    tools.addEventListener("click", async (ev) => {
      const tool = ev.target.closest?.("[data-tool]")?.dataset.tool;
      if (!tool || !this.client) return;
      try {
        if (tool === "json" || tool === "csv") {
          const out = await this.client.call("export", { id: this.id });
          if (tool === "json") download(`${this.key}.json`, out.json, "application/json");
          else for (const [chart, text] of Object.entries(out.csv)) download(`${this.key}-${chart}.csv`, text, "text/csv");
          say(tool === "json" ? "Downloaded the numbers as JSON." : "Downloaded the chart data as CSV.");
        } else if (tool === "link") {
          const options = await this.currentOptions();
          const url = new URL(urlWith(this.key, options, this.starting, `#${this.root.id}`), location.href).href;
          await navigator.clipboard.writeText(url);
          say("Link copied.");
        } else if (tool === "scenario") {
          const options = await this.currentOptions();
          const saved = readScenario() || {};
          for (const name of SCENARIO_INPUTS) if (name in options) saved[name] = options[name];
          localStorage.setItem(SCENARIO_KEY, JSON.stringify(saved));
          say("Saved: widgets on other pages start from these settings.");
        }
      } catch (err) {
        say(`That did not work here (${err?.message || err}).`);
      }
    });
  }

  async currentOptions() {
    const out = await this.client.call("export", { id: this.id });
    return JSON.parse(out.json).options;
  }

  fail(err) {
    if (this.state() === "error") return;
    this.state("error");
    this.mode("Live mode is unavailable here, so the controls are off; the numbers shown are the static preview for the starting settings.");
    const fields = this.root.querySelector(".ifw__fields");
    if (fields) fields.disabled = true;
    console.info("inferfolio widgets: live mode unavailable:", err?.message || err);
  }
}

function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
