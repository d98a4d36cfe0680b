// The widgets' Python: Pyodide + the inferlab wheel, in a module Web Worker.
// Start-up restores the build-time snapshot (inferfolio/widgets/snapshot.mjs)
// when the page names one, and boots Python from scratch otherwise.
//
// One ready-promise (runtime loaded, wheel unpacked, session module imported)
// is awaited by every call.  Messages: {type: "call", id, verb, payload} ->
// {id, ok, result | error}; progress: {type: "progress", loaded, total, text}.
// The core is reached through pyimport; user values travel only as a JSON
// string argument, never as Python source.
//
// Integrity: the build records the SHA-256 of every runtime file, the wheel
// and the snapshot (data-manifest); every fetch of one of them carries that
// hash as its Subresource Integrity, so a changed byte fails the load instead
// of running.  The same wrapper counts bytes for the progress bar.

let ready = null;
let pyodide = null;
/** How Python started ("snapshot" or "scratch") and how long it took, for stats(). */
const started = { from: null, ms: null };

function progress(loaded, total, text) {
  self.postMessage({ type: "progress", loaded, total, text });
}

/** fetch() with each manifest file's integrity, counting the bytes of the response bodies. */
function instrumentFetch(manifest) {
  const plain = self.fetch.bind(self);
  const total = Object.values(manifest).reduce((sum, f) => sum + (f.size || 0), 0);
  let loaded = 0;
  const entryFor = (url) => {
    const path = new URL(url, self.location.href).pathname;
    const name = Object.keys(manifest).find((key) => path.endsWith(`/${key}`));
    return name ? manifest[name] : null;
  };
  const counted = (response) => {
    if (!response.body) return response;
    const reader = response.body.getReader();
    const body = new ReadableStream({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        loaded += value.byteLength;
        progress(Math.min(loaded, total), total, "downloading");
        controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  self.fetch = async (input, init = {}) => {
    const url = typeof input === "string" ? input : input.url;
    const entry = entryFor(url);
    if (!entry || (init.method && init.method !== "GET")) return plain(input, init);
    const response = await plain(input, { ...init, integrity: entry.integrity });
    return response.ok ? counted(response) : response;
  };
  return { total };
}

const RUNTIME_FILES = ["pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip"];

/** Fail fast when a runtime file is missing (Pyodide itself may wait forever). */
async function checkRuntime(base) {
  await Promise.all(RUNTIME_FILES.map(async (name) => {
    const response = await fetch(`${base}${name}`, { method: "HEAD" });
    if (!response.ok) throw new Error(`${name} did not load (${response.status})`);
  }));
}

/** Reject when Pyodide reports that WebAssembly failed (it logs instead of rejecting). */
function wasmFailure() {
  return new Promise((_, reject) => {
    const warn = console.warn.bind(console);
    console.warn = (...args) => {
      if (String(args[0]).includes("wasm instantiation failed")) reject(new Error("WebAssembly did not start"));
      warn(...args);
    };
  });
}

/** The build-time memory snapshot, gunzipped as it arrives; rejects when it cannot be read or its hash is wrong. */
async function fetchSnapshot(url) {
  if (typeof DecompressionStream !== "function") throw new Error("this browser cannot gunzip a stream");
  const response = await fetch(url);
  if (!response.ok) throw new Error(`the snapshot did not load (${response.status})`);
  const stream = response.body.pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Start Python: restore the snapshot when there is one (the interpreter and
 * inferlab already imported, which skips seconds of start-up), else boot
 * from scratch.  A snapshot that cannot be fetched or restored only costs the
 * slow path.  The snapshot is fetched while Pyodide fetches and compiles its
 * WebAssembly: loadPyodide awaits the promise only when it needs the bytes.
 */
async function startPython(loadPyodide, base, snapshot) {
  const failed = wasmFailure();
  const options = {
    indexURL: base,
    lockFileURL: `${base}pyodide-lock.json`,
    stdout: () => {},
    stderr: (line) => console.warn("inferlab:", line),
  };
  if (snapshot) {
    const memory = fetchSnapshot(snapshot);
    memory.catch(() => {}); // handled below, once loadPyodide awaits it
    try {
      const restored = await Promise.race([failed, loadPyodide({ ...options, _loadSnapshot: memory })]);
      started.from = "snapshot";
      return restored;
    } catch (err) {
      console.info("inferlab: starting Python without the snapshot:", err?.message || err);
    }
  }
  const booted = await Promise.race([failed, loadPyodide(options)]);
  started.from = "scratch";
  return booted;
}

async function boot({ pyodide: base, wheel, snapshot, manifest }) {
  const t0 = performance.now();
  const { total } = instrumentFetch(manifest || {});
  progress(0, total, "downloading the Python runtime…");
  await checkRuntime(base);
  const { loadPyodide } = await import(`${base}pyodide.mjs`);
  pyodide = await startPython(loadPyodide, base, snapshot);
  const response = await fetch(wheel);
  if (!response.ok) throw new Error(`the model core did not load (${response.status})`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const sitePackages = pyodide.runPython("import site; site.getsitepackages()[0]");
  pyodide.unpackArchive(bytes, "wheel", { extractDir: sitePackages });
  const session = pyodide.pyimport("inferlab.ui.session");
  const handle = session.handle.copy();
  session.destroy();
  started.ms = Math.round(performance.now() - t0);
  progress(total, total, "ready");
  return handle;
}

function stats() {
  const memory = pyodide?._module?.HEAP8?.buffer?.byteLength ?? null;
  return { wasm_memory_bytes: memory, started_from: started.from, start_ms: started.ms };
}

/** The last line of a Python traceback ("InputError: field: ..."), without Pyodide's debugging hint. */
function errorText(err) {
  const lines = String(err?.message || err).trim().split("\n").filter((l) => l && !l.includes("pyodide.setDebug"));
  return (lines.pop() || "unknown error").replace(/^inferlab\.inputs\.InputError: |^InputError: /, "");
}

self.onmessage = async (ev) => {
  const { type, id, verb, payload } = ev.data || {};
  if (type !== "call") return;
  try {
    if (verb === "init") {
      ready ??= boot(payload);
      await ready;
      self.postMessage({ id, ok: true, result: null });
      return;
    }
    if (!ready) throw new Error("the worker was not initialised");
    const handle = await ready;
    if (verb === "stats") {
      self.postMessage({ id, ok: true, result: stats() });
      return;
    }
    const text = handle(verb, JSON.stringify(payload ?? {}));
    self.postMessage({ id, ok: true, result: JSON.parse(text) });
  } catch (err) {
    self.postMessage({ id, ok: false, error: errorText(err) });
  }
};
