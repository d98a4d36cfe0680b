// Run the core's code inside real Pyodide under Node: the same runtime files
// (node_modules/pyodide) and the same inferlab wheel that the site ships.
//
//   node tests/pyodide/run.mjs [--wheel PATH] pytest [PYTEST ARGS...]
//   node tests/pyodide/run.mjs [--wheel PATH] script FILE.py [ARGS...]
//
// Without --wheel the wheel is built by `python -m inferfolio.widgets.wheel`
// (python = $PYTHON or .venv/bin/python).  The pure-Python test wheels are
// taken from .cache/pyodide-wheels/ (see requirements.txt beside this file).
// The repository's pyproject.toml, the files directly in tests/, tests/core/ and bench/
// are copied into the in-memory file system at /repo, which is the working
// directory.  The exit code is pytest's, or the script's SystemExit code.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const PYODIDE_DIR = path.join(ROOT, "node_modules", "pyodide");
const TEST_WHEELS = path.join(ROOT, ".cache", "pyodide-wheels");
const COPIED = ["pyproject.toml", "tests/core", "bench"];

// Fixed Python helpers; user values reach them only as call arguments.
const HELPERS = `
import importlib, os, runpy, sys

def run_pytest(args):
    import pytest
    return int(pytest.main(list(args)))

def run_script(script, args):
    sys.argv = [script, *args]
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exc:
        code = exc.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        print(code, file=sys.stderr)
        return 1
    return 0
`;

function usage(message) {
  process.stderr.write(`run.mjs: ${message}\nusage: node tests/pyodide/run.mjs [--wheel PATH] (pytest ARGS... | script FILE [ARGS...])\n`);
  process.exit(2);
}

function parseArgs(argv) {
  let wheel = null;
  const rest = [...argv];
  while (rest[0] === "--wheel") {
    rest.shift();
    wheel = rest.shift();
    if (!wheel) usage("--wheel needs a path");
  }
  const mode = rest.shift();
  if (mode !== "pytest" && mode !== "script") usage("the first argument must be 'pytest' or 'script'");
  if (mode === "script" && rest.length === 0) usage("'script' needs a file");
  return { wheel, mode, args: rest };
}

function buildWheel() {
  const python = process.env.PYTHON || path.join(ROOT, ".venv", "bin", "python");
  const out = spawnSync(python, ["-m", "inferfolio.widgets.wheel", path.join(ROOT, ".cache", "pyodide-run"), path.join(ROOT, ".cache", "inferlab-wheels")], { cwd: ROOT, encoding: "utf8" });
  if (out.status !== 0) {
    process.stderr.write(out.stderr || String(out.error));
    process.exit(1);
  }
  return out.stdout.trim();
}

function copyInto(FS, hostPath, fsPath) {
  const stat = fs.statSync(hostPath);
  if (stat.isDirectory()) {
    if (path.basename(hostPath) === "__pycache__") return;
    FS.mkdirTree(fsPath);
    for (const name of fs.readdirSync(hostPath)) copyInto(FS, path.join(hostPath, name), `${fsPath}/${name}`);
  } else if (stat.isFile()) {
    FS.mkdirTree(fsPath.slice(0, fsPath.lastIndexOf("/")));
    FS.writeFile(fsPath, new Uint8Array(fs.readFileSync(hostPath)));
  }
}

const options = parseArgs(process.argv.slice(2));
const wheelPath = path.resolve(options.wheel || buildWheel());
const { loadPyodide } = await import(path.join(PYODIDE_DIR, "pyodide.mjs"));
const pyodide = await loadPyodide({
  indexURL: PYODIDE_DIR + path.sep,
  stdout: undefined,
  stderr: undefined,
  env: { PYTHONDONTWRITEBYTECODE: "1", HOME: "/home/pyodide" },
});
pyodide.setStdout({ write: (buf) => { process.stdout.write(buf); return buf.length; } });
pyodide.setStderr({ write: (buf) => { process.stderr.write(buf); return buf.length; } });

const wheels = [wheelPath];
if (fs.existsSync(TEST_WHEELS)) {
  for (const name of fs.readdirSync(TEST_WHEELS).sort()) if (name.endsWith(".whl")) wheels.push(path.join(TEST_WHEELS, name));
}
if (options.mode === "pytest" && wheels.length === 1) {
  process.stderr.write(`run.mjs: no test wheels in ${TEST_WHEELS}; run 'make install'\n`);
  process.exit(1);
}
const sitePackages = pyodide.runPython("import site; site.getsitepackages()[0]");
for (const wheel of wheels) {
  pyodide.unpackArchive(new Uint8Array(fs.readFileSync(wheel)), "wheel", { extractDir: sitePackages });
}

const FS = pyodide.FS;
FS.mkdirTree("/repo");
// Shared test helpers: every plain file directly in tests/ (conftest.py and what it imports).
for (const name of fs.readdirSync(path.join(ROOT, "tests"))) {
  const host = path.join(ROOT, "tests", name);
  if (fs.statSync(host).isFile()) copyInto(FS, host, `/repo/tests/${name}`);
}
for (const rel of COPIED) {
  const host = path.join(ROOT, rel);
  if (fs.existsSync(host)) copyInto(FS, host, `/repo/${rel}`);
}
if (options.mode === "script") {
  const script = path.resolve(options.args[0]);
  if (!fs.existsSync(script)) usage(`no such script: ${options.args[0]}`);
  const rel = path.relative(ROOT, script);
  if (rel.startsWith("..")) copyInto(FS, script, `/repo/${path.basename(script)}`);
  options.args[0] = rel.startsWith("..") ? path.basename(script) : rel;
}

pyodide.FS.chdir("/repo");
pyodide.runPython(HELPERS);
pyodide.runPython("import importlib; importlib.invalidate_caches()");

/** Call the helper for the chosen mode; return the exit code. */
function runMode() {
  const pytestMode = options.mode === "pytest";
  const helper = pyodide.globals.get(pytestMode ? "run_pytest" : "run_script");
  const args = pyodide.toPy(pytestMode ? (options.args.length ? options.args : ["tests/core"]) : options.args.slice(1));
  try {
    return pytestMode ? helper(args) : helper(options.args[0], args);
  } finally {
    args.destroy();
    helper.destroy();
  }
}

try {
  process.exitCode = runMode();
} catch (err) {
  process.stderr.write(`run.mjs: ${err.message}\n`);
  process.exitCode = 1;
}
