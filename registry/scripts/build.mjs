#!/usr/bin/env node
// Builds the components: registry/components/{name}/ → .component-builds/{name}/
//   {name}.wasm      asc (AssemblyScript) or go (wasip1), size-optimized, then fuel-instrumented
//   component.json   the validated manifest
//   worker.ts        the component worker, from ONE fixed template (registry/template/)
//   worker.js        that worker bundled (esbuild) for the local platform
//   wrangler.jsonc   its deploy config (arcrun-{kebab})
// and .component-builds/index.ts, which the executor imports to bundle every built-in module.
// `--testdata` also builds registry/testdata/components into .component-builds/.testdata/ (tests only).
// Incremental: a component whose sources did not change is not recompiled.
//
// Usage: node registry/scripts/build.mjs [name ...] [--testdata] [--force] [--quiet]
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

const here = dirname(fileURLToPath(import.meta.url));
const registry = join(here, "..");
const root = join(registry, "..");
const HOST_FUNCTIONS = ["http_request", "kv_get", "kv_put", "crypto_decrypt", "crypto_sign_rs256"];
/** u6u imports of the ABI itself, needing no capability: a held result, CPU slices, memory growth. */
const ABI_IMPORTS = ["result_read", "fuel_slice", "memory_grow"];
const NAME = /^[a-z][a-z0-9_]*$/;
/** Largest memory a component module may declare, in 64 KiB pages (the runtime's MAX_LIMITS). */
const MAX_MEMORY_PAGES = 1024;

/**
 * Builds components; returns one row per component.
 *
 * @example
 * const rows = await buildComponents({ names: ["set"] });
 * // [{ name: "set", bytes: 40424, built: true, dir: ".../.component-builds/set" }]
 */
export async function buildComponents(opts = {}) {
  const log = opts.quiet ? () => {} : (m) => console.log(m);
  // `opts.sets` lets tests build fixture folders elsewhere.
  const sets = opts.sets ?? [
    { src: join(registry, "components"), out: join(root, ".component-builds"), shipped: true },
  ];
  if (opts.testdata && !opts.sets) {
    sets.push({
      src: join(registry, "testdata", "components"),
      out: join(root, ".component-builds", ".testdata"),
      shipped: false,
    });
  }
  const rows = [];
  const errors = [];
  for (const set of sets) {
    mkdirSync(set.out, { recursive: true });
    const names = [];
    for (const n of existsSync(set.src) ? readdirSync(set.src).sort() : []) {
      // `_scratch` and `.hidden` folders are never components.
      if (n.startsWith("_") || n.startsWith(".") || !statSync(join(set.src, n)).isDirectory()) continue;
      if (!existsSync(join(set.src, n, "component.json"))) {
        log(`skip   ${n.padEnd(24)} (no component.json yet)`);
        continue;
      }
      names.push(n);
    }
    // asc is single-threaded and most of a fresh build is spent in it: compile one component per core.
    const todo = names.filter((name) => !(opts.names?.length && !opts.names.includes(name) && set.shipped));
    const results = new Array(todo.length);
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const i = next++;
        const name = todo[i];
        try {
          const row = await buildOne(join(set.src, name), join(set.out, name), name, opts, set.shipped);
          results[i] = { row };
          log(`${row.built ? "built " : "fresh "} ${name.padEnd(24)} ${(row.bytes / 1024).toFixed(1).padStart(7)} KB`);
        } catch (err) {
          results[i] = { error: `${relative(root, join(set.src, name))}: ${err.message}` };
        }
      }
    };
    const lanes = Math.max(1, Math.min(todo.length, opts.jobs ?? availableParallelism()));
    compilers.size = Math.max(compilers.size, lanes);
    await Promise.all(Array.from({ length: lanes }, worker));
    for (const r of results) {
      if (r?.row) rows.push(r.row);
      if (r?.error) errors.push(r.error);
    }
    // Only what still exists in the source tree is bundled.
    for (const stale of readdirSync(set.out)) {
      if (!stale.startsWith(".") && stale !== "index.ts" && !names.includes(stale)) {
        rmSync(join(set.out, stale), { recursive: true, force: true });
      }
    }
    writeIndex(
      set.out,
      names.filter((n) => existsSync(join(set.out, n, `${n}.wasm`))),
    );
  }
  // Warm compilers serve every set; they end with the build (buildOne never throws past its lane).
  compilers.close();
  if (errors.length) {
    const e = new Error(`component build failed:\n  ${errors.join("\n  ")}`);
    e.rows = rows;
    throw e;
  }
  return rows;
}

async function buildOne(src, out, name, opts, shipped) {
  if (!NAME.test(name)) throw new Error(`component names are snake_case (a-z, 0-9, _), got "${name}"`);
  const manifest = readManifest(src, name);
  if (manifest.language === "quickjs") return interpreterComponent(out, name, manifest);
  const isGo = existsSync(join(src, "main.go"));
  if (!isGo && !existsSync(join(src, "main.ts"))) throw new Error("no main.ts (AssemblyScript) or main.go (Go)");
  const hash = sourceHash(src, isGo);
  const wasmFile = join(out, `${name}.wasm`);
  const hashFile = join(out, ".build-hash");
  mkdirSync(out, { recursive: true });
  let built = false;
  const twinMissing = !shipped && !existsSync(join(out, `${name}.plain.wasm`));
  if (
    opts.force ||
    twinMissing ||
    !existsSync(wasmFile) ||
    !existsSync(hashFile) ||
    readFileSync(hashFile, "utf8") !== hash
  ) {
    const raw = isGo ? await compileGo(src, out, name) : await compileAssemblyScript(src, out, name);
    // binaryen takes a second to load: only when something is compiled.
    const { instrumentFuel } = await import("./fuel.mjs");
    const wasm = instrumentFuel(raw);
    checkImports(wasm, manifest);
    writeFileSync(wasmFile, wasm);
    // Test components keep an uninstrumented twin, to measure what fuel costs (bench/component-call.ts).
    // Re-emitted by binaryen like the instrumented one, so the two differ only by the fuel checks.
    if (!shipped) writeFileSync(join(out, `${name}.plain.wasm`), await reEmit(raw));
    writeFileSync(hashFile, hash);
    built = true;
  }
  writeFileSync(join(out, "component.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  writeWorker(out, name);
  return { name, bytes: statSync(wasmFile).size, built, dir: out, language: manifest.language ?? "assemblyscript" };
}

/**
 * `code` runs inside the executor on a vetted third-party QuickJS WASM build (the one exception to the
 * AssemblyScript/TinyGo rule): nothing to compile here, and no worker of its own.
 */
function interpreterComponent(out, name, manifest) {
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "component.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  // Copied beside the other modules so the executor imports it by a `.wasm` path (wrangler's
  // CompiledWasm rule matches the import text; the package's `./wasm` export would not match).
  const wasm = join(root, "node_modules", "@jitl", "quickjs-wasmfile-release-sync", "dist", "emscripten-module.wasm");
  if (!existsSync(wasm)) throw new Error("@jitl/quickjs-wasmfile-release-sync is not installed: run npm ci");
  const target = join(out, "quickjs.wasm");
  const bytes = finerInterrupts(readFileSync(wasm));
  const built = !existsSync(target) || !readFileSync(target).equals(bytes);
  if (built) writeFileSync(target, bytes);
  return { name, bytes: statSync(target).size, built, dir: out, language: "quickjs" };
}

/**
 * QuickJS asks its interrupt handler every JS_INTERRUPT_COUNTER_INIT (10,000) polls, up to ~25 ms of an
 * allocation-heavy loop: too coarse to let a runaway `code` step yield the event loop in time
 * (docs/adr/0004). The counter's reset in js_poll_interrupts is the one `i32.const 10000` stored at
 * JSContext offset 232 (`41 90 ce 00 36 02 e8 01`): it becomes 1,000, as a padded LEB of the same length.
 */
function finerInterrupts(wasm) {
  const reset = Buffer.from([0x41, 0x90, 0xce, 0x00, 0x36, 0x02, 0xe8, 0x01]);
  const at = wasm.indexOf(reset);
  if (at < 0 || wasm.indexOf(reset, at + 1) >= 0) {
    throw new Error("quickjs.wasm: the interrupt counter reset was not found exactly once (new quickjs-emscripten?)");
  }
  const out = Buffer.from(wasm);
  out.set([0x41, 0xe8, 0x87, 0x00], at);
  return out;
}

/** binaryen read + write without instrumentation: the fair baseline for measuring fuel. */
async function reEmit(wasm) {
  const { default: binaryen } = await import("binaryen");
  const mod = binaryen.readBinary(wasm);
  try {
    mod.setFeatures(binaryen.Features.All);
    return mod.emitBinary();
  } finally {
    mod.dispose();
  }
}

function readManifest(src, name) {
  const file = join(src, "component.json");
  if (!existsSync(file)) throw new Error("component.json is missing");
  let m;
  try {
    m = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`component.json is not valid JSON: ${err.message}`);
  }
  const problems = [];
  const need = (field, ok, what) => {
    if (!ok) problems.push(`component.json: field "${field}" must be ${what}`);
  };
  need("name", m.name === name, `"${name}" (the folder name)`);
  need("version", typeof m.version === "string" && /^\d+\.\d+\.\d+/.test(m.version), "a semver string");
  need("description", typeof m.description === "string" && m.description.length > 0, "a non-empty string");
  need("input_schema", m.input_schema && typeof m.input_schema === "object", "a JSON Schema object");
  need("output_schema", m.output_schema && typeof m.output_schema === "object", "a JSON Schema object");
  need(
    "capabilities",
    Array.isArray(m.capabilities) && m.capabilities.every((c) => HOST_FUNCTIONS.includes(c)),
    `an array of ${HOST_FUNCTIONS.join(", ")}`,
  );
  need(
    "allowed_hosts",
    Array.isArray(m.allowed_hosts) && m.allowed_hosts.every((h) => typeof h === "string"),
    "an array of host names",
  );
  need(
    "language",
    m.language === undefined || ["assemblyscript", "go", "tinygo", "quickjs"].includes(m.language),
    "assemblyscript, go, tinygo or quickjs (the code component only)",
  );
  if (problems.length) throw new Error(problems.join("; "));
  return m;
}

/** A component may import only the host functions its manifest declares. */
function checkImports(wasm, manifest) {
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(wasm));
  for (const i of imports) {
    if (i.module === "u6u" && !ABI_IMPORTS.includes(i.name) && !manifest.capabilities.includes(i.name)) {
      throw new Error(`the code imports u6u.${i.name} but component.json "capabilities" does not list it`);
    }
    if (i.module !== "u6u" && i.module !== "wasi_snapshot_preview1") {
      throw new Error(`the code imports ${i.module}.${i.name}; only wasi_snapshot_preview1 and u6u exist`);
    }
  }
}

const SDK_AS = "sdk/assemblyscript";
/** Everything asc is told besides input and output; part of the source hash. */
const ASC_FLAGS = [
  "--transform",
  "json-as",
  "-O3z",
  "--runtime",
  "stub",
  "--exportStart",
  "_start",
  "--maximumMemory",
  String(MAX_MEMORY_PAGES),
  "--use",
  `abort=${SDK_AS}/wasi/abortToStderr`,
  "--use",
  `seed=${SDK_AS}/wasi/seedFromWasi`,
  // json-as otherwise allocates (and zeroes) a 1 MiB string-cache arena in every fresh instance,
  // which cost milliseconds per call; its cache is off anyway.
  "--use",
  "JSON_CACHE_SIZE=128",
  "--disableWarning",
  "--noColors",
];
const GO_FLAGS = ["build", "-trimpath", "-ldflags=-s -w"];

/** Warm asc compilers in worker threads, one per build lane, started on first use. */
const compilers = {
  size: 1,
  idle: [],
  all: [],
  waiting: [],
  /** Compiles with asc's argv in a free compiler; rejects with its diagnostics. */
  async compile(args) {
    const w =
      this.idle.pop() ?? (this.all.length < this.size ? this.spawn() : await new Promise((r) => this.waiting.push(r)));
    let crashed = false;
    try {
      return await new Promise((resolve, reject) => {
        w.once("message", (m) => (m.error ? reject(compileError(m.text || m.error)) : resolve()));
        w.once("error", (err) => {
          crashed = true;
          reject(err);
        });
        w.postMessage(args);
      });
    } finally {
      w.removeAllListeners("message");
      w.removeAllListeners("error");
      // A compiler thread that died is replaced, never handed the next component.
      const next = this.waiting.shift();
      const usable = crashed ? this.replace(w) : w;
      if (next) next(usable);
      else this.idle.push(usable);
    }
  },
  replace(dead) {
    this.all = this.all.filter((w) => w !== dead);
    return this.spawn();
  },
  spawn() {
    const w = new Worker(join(here, "asc-worker.mjs"));
    this.all.push(w);
    return w;
  },
  close() {
    for (const w of this.all) void w.terminate();
    this.all = [];
    this.idle = [];
  },
};

async function compileAssemblyScript(src, out, name) {
  const tmp = join(out, `.${name}.asc.wasm`);
  // --baseDir instead of a cwd: worker threads share the process's working directory.
  const args = [
    relative(registry, join(src, "main.ts")),
    "--baseDir",
    registry,
    ...ASC_FLAGS,
    "-o",
    relative(registry, tmp),
  ];
  await compilers.compile(args);
  const wasm = readFileSync(tmp);
  rmSync(tmp);
  return wasm;
}

async function compileGo(src, out, name) {
  const tmp = join(out, `.${name}.go.wasm`);
  const go = existsSync("/usr/local/go/bin/go") ? "/usr/local/go/bin/go" : "go";
  await run(go, [...GO_FLAGS, "-o", tmp, "."], src, {
    GOOS: "wasip1",
    GOARCH: "wasm",
    GOFLAGS: "-mod=mod",
    GOPROXY: "off",
    CGO_ENABLED: "0",
  });
  const wasm = readFileSync(tmp);
  rmSync(tmp);
  return wasm;
}

function run(cmd, args, cwd, env = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      err ? reject(compileError(`${stdout ?? ""}${stderr ?? ""}`)) : resolve(),
    );
  });
}

/** asc/go print "file(line,col)" diagnostics; keep the errors, drop the noise. */
function compileError(output) {
  const lines = output
    .trim()
    .split("\n")
    .filter((l) => !/^\s*$/.test(l));
  return new Error(`compile failed:\n${lines.slice(0, 40).join("\n")}`);
}

/** The sibling component folders that `src`'s sources import (`from "../other/…"`). */
function siblingImports(src) {
  const found = new Set();
  for (const f of readdirSync(src)) {
    if (!f.endsWith(".ts") || f.endsWith(".test.ts")) continue;
    for (const m of readFileSync(join(src, f), "utf8").matchAll(/from\s+"\.\.\/([a-z][a-z0-9_]*)\//g)) {
      if (m[1] && existsSync(join(registry, "components", m[1]))) found.add(m[1]);
    }
  }
  return [...found].sort();
}

function sourceHash(src, isGo) {
  const h = createHash("sha256");
  const add = (file) => {
    h.update(relative(root, file));
    h.update(readFileSync(file));
  };
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const f of readdirSync(dir).sort()) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(ts|go|json|mod)$/.test(f) && !f.endsWith(".test.ts")) add(p);
    }
  };
  walk(src);
  walk(join(registry, "sdk", isGo ? "go" : "assemblyscript"));
  // A component may import a sibling's module (validate_json uses string_ops' regex): hash those folders too.
  for (const sibling of siblingImports(src)) walk(join(registry, "components", sibling));
  // What shapes the wasm, not the whole build script: editing the script's plumbing rebuilds nothing.
  add(join(registry, "scripts", "fuel.mjs"));
  h.update(JSON.stringify({ ASC_FLAGS, GO_FLAGS }));
  h.update(readFileSync(join(root, "node_modules", "assemblyscript", "package.json")));
  return h.digest("hex");
}

function writeWorker(out, name) {
  const kebab = name.replace(/_/g, "-");
  const runtimeImport = relative(out, join(root, "cypher-executor", "src", "runtime", "index")).replace(/\\/g, "/");
  const fill = (t) =>
    t
      .replaceAll("{{NAME}}", name)
      .replaceAll("{{KEBAB}}", kebab)
      .replaceAll("{{RUNTIME_IMPORT}}", runtimeImport)
      .replaceAll("{{COMPAT_DATE}}", compatibilityDate());
  const worker = fill(readFileSync(join(registry, "template", "worker.ts.tmpl"), "utf8"));
  writeFileSync(join(out, "worker.ts"), worker);
  writeFileSync(
    join(out, "wrangler.jsonc"),
    fill(readFileSync(join(registry, "template", "wrangler.jsonc.tmpl"), "utf8")),
  );
  // worker.js is rebuilt only when what it bundles changed: the wrapper or the runtime's sources.
  const hash = createHash("sha256").update(worker).update(runtimeSourcesHash()).digest("hex");
  const hashFile = join(out, ".worker-hash");
  if (!existsSync(join(out, "worker.js")) || !existsSync(hashFile) || readFileSync(hashFile, "utf8") !== hash) {
    bundleWorker(out);
    writeFileSync(hashFile, hash);
  }
}

/** The local platform runs `worker.js`: the wrapper and the runtime bundled, the wasm left as a module. */
function bundleWorker(out) {
  execFileSync(
    join(root, "node_modules", ".bin", "esbuild"),
    [
      join(out, "worker.ts"),
      "--bundle",
      "--format=esm",
      "--platform=neutral",
      "--target=es2022",
      "--external:*.wasm",
      `--outfile=${join(out, "worker.js")}`,
      "--log-level=error",
    ],
    { cwd: root, stdio: ["ignore", "inherit", "inherit"] },
  );
}

let runtimeHash;
/** Content hash of the executor sources a component worker bundles (runtime, sandbox, credentials, auth types). */
function runtimeSourcesHash() {
  if (runtimeHash) return runtimeHash;
  const h = createHash("sha256");
  const walk = (dir) => {
    for (const f of readdirSync(dir).sort()) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith(".ts") && !f.endsWith(".test.ts")) h.update(p).update(readFileSync(p));
    }
  };
  for (const d of ["runtime", "lib", "credentials", "auth", "utils"]) walk(join(root, "cypher-executor", "src", d));
  runtimeHash = h.digest("hex");
  return runtimeHash;
}

function compatibilityDate() {
  const text = readFileSync(join(root, "cypher-executor", "wrangler.jsonc"), "utf8");
  return /"compatibility_date"\s*:\s*"([^"]+)"/.exec(text)?.[1] ?? "2026-04-01";
}

function writeIndex(out, names) {
  const typeImport = relative(out, join(root, "cypher-executor", "src", "runtime", "index")).replace(/\\/g, "/");
  const lines = [
    "// GENERATED by registry/scripts/build.mjs: every built component, bundled as a precompiled module",
    "// (Cloudflare forbids compiling WebAssembly from bytes at run time).",
    `import type { BundledComponent, ComponentManifest } from "${typeImport}";`,
  ];
  const twins = names.filter((n) => existsSync(join(out, n, `${n}.plain.wasm`)));
  for (const n of names) {
    lines.push(`import ${n}_module from "./${n}/${n}.wasm";`);
    lines.push(`import ${n}_manifest from "./${n}/component.json";`);
  }
  for (const n of twins) lines.push(`import ${n}_nofuel from "./${n}/${n}.plain.wasm";`);
  lines.push("", "export const components: Record<string, BundledComponent> = {");
  for (const n of names) {
    lines.push(`  ${n}: { module: ${n}_module, manifest: ${n}_manifest as unknown as ComponentManifest },`);
  }
  for (const n of twins) {
    lines.push(`  ${n}_nofuel: { module: ${n}_nofuel, manifest: ${n}_manifest as unknown as ComponentManifest },`);
  }
  lines.push("};", "");
  const file = join(out, "index.ts");
  const text = lines.join("\n");
  if (!existsSync(file) || readFileSync(file, "utf8") !== text) writeFileSync(file, text);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  const names = argv.filter((a) => !a.startsWith("--"));
  try {
    await buildComponents({
      names,
      testdata: argv.includes("--testdata"),
      force: argv.includes("--force"),
      quiet: argv.includes("--quiet"),
    });
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
