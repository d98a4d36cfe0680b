// Build-time Pyodide memory snapshot: the interpreter already started, with
// the inferlab wheel imported, saved as gzip so the browser can skip
// Pyodide's start-up (seconds on a slow machine) and restore it instead.
//
//   node snapshot.mjs PYODIDE_DIR WHEEL OUT_GZ
//
// PYODIDE_DIR is the pinned npm package (the same files the site serves, so
// the snapshot matches the WebAssembly it is restored into).  Every module of
// inferlab is imported before the snapshot is taken, so the worker finds them
// in sys.modules; it still unpacks the wheel afterwards for anything loaded
// from files later (source lines in tracebacks, data files).  The output is
// written to a temporary name and renamed, so a crash never leaves half a file.
//
// Called by inferfolio/widgets/snapshot.py; prints one JSON line of figures.

import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const [pyodideDir, wheelPath, outPath] = process.argv.slice(2);
if (!pyodideDir || !wheelPath || !outPath) {
  console.error("usage: node snapshot.mjs PYODIDE_DIR WHEEL OUT_GZ");
  process.exit(2);
}

const IMPORT_ALL = `
import importlib, pkgutil, sys
import inferlab
for info in pkgutil.walk_packages(inferlab.__path__, "inferlab."):
    if not info.name.endswith(".__main__"):
        importlib.import_module(info.name)
len([m for m in sys.modules if m == "inferlab" or m.startswith("inferlab.")])
`;

const started = performance.now();
const { loadPyodide } = await import(pathToFileURL(resolve(pyodideDir, "pyodide.mjs")).href);
const pyodide = await loadPyodide({ indexURL: `${resolve(pyodideDir)}/`, _makeSnapshot: true, stdout: () => {} });
const sitePackages = pyodide.runPython("import site; site.getsitepackages()[0]");
pyodide.unpackArchive(new Uint8Array(readFileSync(wheelPath)), "wheel", { extractDir: sitePackages });
const modules = pyodide.runPython(IMPORT_ALL);
const memory = pyodide.makeMemorySnapshot();
const packed = gzipSync(memory, { level: 6 });
const partial = `${outPath}.${process.pid}.tmp`;
writeFileSync(partial, packed);
renameSync(partial, outPath);
console.log(JSON.stringify({
  modules,
  memory_bytes: memory.length,
  gzip_bytes: packed.length,
  seconds: Math.round(performance.now() - started) / 1000,
}));
