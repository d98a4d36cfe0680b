// The main thread's side of the worker: one module Web Worker per page session,
// one ready-promise awaited by every call, messages {type, id, verb, payload}.
// The runtime's files are checked against the hashes recorded when the site was
// built (data-manifest), and their download is reported in bytes.

const LOAD_TIMEOUT_MS = 90_000;

/**
 * The start-up snapshot (about 7 MB compressed) saves seconds of CPU on a fast
 * connection but costs more than half the download; on a slow or metered
 * connection, or with Save-Data, Python boots from the runtime alone.
 */
export function snapshotWorthIt() {
  const c = navigator.connection;
  if (!c) return true;
  return !c.saveData && c.effectiveType === "4g" && c.type !== "cellular";
}

export class Client {
  constructor(cfg, data) {
    this.seq = 0;
    this.pending = new Map();
    this.listeners = new Set();
    const version = encodeURIComponent(cfg.build);
    this.worker = new Worker(`${cfg.base}worker.js?v=${version}`, { type: "module", name: "inferlab" });
    this.worker.onmessage = (ev) => this.receive(ev.data);
    this.worker.onerror = (ev) => {
      ev.preventDefault();
      this.failAll(new Error(ev.message || "the worker script failed to load"));
    };
    const manifest = JSON.parse(data.manifest || "{}");
    const useSnapshot = Boolean(data.snapshot) && snapshotWorthIt();
    if (!useSnapshot) for (const name of Object.keys(manifest)) if (name.endsWith(".bin.gz")) delete manifest[name];
    const init = this.call("init", {
      pyodide: new URL(`${data.runtime || "pyodide"}/`, cfg.base).href,
      wheel: new URL(`${data.wheel}?v=${version}`, cfg.base).href,
      snapshot: useSnapshot ? new URL(`${data.snapshot}?v=${version}`, cfg.base).href : null,
      manifest,
    });
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error("loading timed out")), LOAD_TIMEOUT_MS);
    });
    this.ready = Promise.race([init, timeout]).finally(() => clearTimeout(timer));
    this.ready.catch((err) => {
      this.failAll(err);
      this.worker.terminate();
    });
  }

  receive(msg) {
    if (msg?.type === "progress") {
      for (const fn of this.listeners) fn(msg);
      return;
    }
    const entry = this.pending.get(msg?.id);
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

  /** Call a session verb (or the worker's own init/stats); resolves with the JSON result. */
  call(verb, payload = {}) {
    if (this.failed) return Promise.reject(this.failed);
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: "call", id, verb, payload });
    });
  }
}

/** Bytes a compressing host sends to take a widget live (the manifest's gzip sizes; the snapshot only if used). */
export function liveBytes(data) {
  const manifest = JSON.parse(data.manifest || "{}");
  const useSnapshot = Boolean(data.snapshot) && snapshotWorthIt();
  let total = 0;
  for (const [name, entry] of Object.entries(manifest)) {
    if (name.endsWith(".bin.gz") && !useSnapshot) continue;
    total += entry.gzip || entry.size || 0;
  }
  return total;
}
