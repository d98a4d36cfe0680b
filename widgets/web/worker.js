// The widgets' Python: Pyodide + the inferlab wheel, in a module Web Worker.
//
// One ready-promise (runtime loaded, wheel unpacked, session module imported)
// is awaited by every call.  Messages: {type: "call", id, fn, payload} ->
// {id, ok, result | error}; progress: {type: "progress", pct, text}.  The
// core is reached through pyimport; user values travel only as a JSON string
// argument, never as Python source.

let ready = null;
let pyodide = null;

function progress(pct, text) {
  self.postMessage({ type: "progress", pct, text });
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

async function boot({ pyodide: base, wheel }) {
  progress(5, "downloading the Python runtime…");
  await checkRuntime(base);
  const { loadPyodide } = await import(`${base}pyodide.mjs`);
  pyodide = await Promise.race([wasmFailure(), loadPyodide({
    indexURL: base,
    lockFileURL: `${base}pyodide-lock.json`,
    stdout: () => {},
    stderr: (line) => console.warn("inferlab:", line),
  })]);
  progress(75, "loading the model core…");
  const response = await fetch(wheel);
  if (!response.ok) throw new Error(`the model core did not load (${response.status})`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const sitePackages = pyodide.runPython("import site; site.getsitepackages()[0]");
  pyodide.unpackArchive(bytes, "wheel", { extractDir: sitePackages });
  progress(90, "starting the model…");
  const session = pyodide.pyimport("inferlab.widgets.session");
  const handle = session.handle.copy();
  session.destroy();
  progress(100, "ready");
  return handle;
}

function stats() {
  const memory = pyodide?._module?.HEAP8?.buffer?.byteLength ?? null;
  return { wasm_memory_bytes: memory };
}

self.onmessage = async (ev) => {
  const { type, id, fn, payload } = ev.data || {};
  if (type !== "call") return;
  try {
    if (fn === "init") {
      ready ??= boot(payload);
      await ready;
      self.postMessage({ id, ok: true, result: null });
      return;
    }
    if (!ready) throw new Error("the worker was not initialised");
    const handle = await ready;
    if (fn === "stats") {
      self.postMessage({ id, ok: true, result: stats() });
      return;
    }
    const text = handle(fn, JSON.stringify(payload ?? {}));
    self.postMessage({ id, ok: true, result: JSON.parse(text) });
  } catch (err) {
    // A Python traceback ends with "Type: message"; Pyodide may append a debugging hint.
    const lines = String(err?.message || err).trim().split("\n").filter((l) => l && !l.includes("pyodide.setDebug"));
    const message = lines.pop() || "unknown error";
    self.postMessage({ id, ok: false, error: message });
  }
};
