import { AssertionError, deepStrictEqual } from "node:assert";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Command } from "commander";
import { resolveConfig } from "../config/index.js";
import { startLocalPlatform } from "../platform/local.js";
import { color } from "../ui/color.js";
import { EXIT, UserError } from "../ui/errors.js";
import { assertPlatformHasBuild } from "./component-stale.js";

/** One row of `buildComponents` (registry/scripts/build.mjs). */
interface BuildRow {
  name: string;
  bytes: number;
  built: boolean;
  dir: string;
  language: string;
}
type BuildComponents = (opts: { names?: string[]; quiet?: boolean; force?: boolean }) => Promise<BuildRow[]>;

/** One `cases.json` row (the format of registry/test/components.test.ts). */
export interface ComponentCase {
  name: string;
  input: unknown;
  limits?: Record<string, number>;
  expect: { data?: unknown; data_keys?: string[]; error?: { code: string }; pending?: boolean };
}

/**
 * The arcrun checkout `acr` runs in: the nearest folder at or above `cwd` holding
 * `registry/scripts/build.mjs` and `cypher-executor/wrangler.jsonc`.
 *
 * @example
 * const root = findCheckout(); // "/home/me/arcrun"
 */
export function findCheckout(cwd = process.cwd()): string {
  let dir = resolve(cwd);
  for (;;) {
    if (
      existsSync(join(dir, "registry", "scripts", "build.mjs")) &&
      existsSync(join(dir, "cypher-executor", "wrangler.jsonc"))
    )
      return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new UserError(
    `${resolve(cwd)} is not inside an arcrun checkout (no registry/scripts/build.mjs above it)`,
    "run this from a clone of the arcrun repository (git clone … && npm ci)",
  );
}

/** Component folders of `registry/components` (the build's rule: `_x` and `.x` are not components). */
export function listComponentNames(root: string): string[] {
  const dir = join(root, "registry", "components");
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !/^[_.]/.test(d.name) && existsSync(join(dir, d.name, "component.json")))
    .map((d) => d.name)
    .sort();
}

/**
 * Compiler diagnostics as `path:line:col` from the checkout root: asc (run in registry/) says
 * `in components/x/main.ts(5,3)`, go (run in the component folder) says `./main.go:5:3`.
 *
 * @example
 * compilerLocations("└─ in components/x/main.ts(5,3)", "x"); // "└─ at registry/components/x/main.ts:5:3"
 */
export function compilerLocations(message: string, name: string): string {
  return message
    .replace(/\bin (\S+?)\((\d+),(\d+)\)/g, (_m, file: string, line: string, col: string) => {
      const path = /^(components|sdk|testdata)\//.test(file) ? `registry/${file}` : file;
      return `at ${path}:${line}:${col}`;
    })
    .replace(/(^|\s)\.\/([\w./-]+\.go:\d+:\d+)/gm, `$1registry/components/${name}/$2`);
}

/**
 * Builds components with the registry build, one progress line each; throws a UserError carrying the
 * compiler's diagnostics when any fails.
 *
 * @example
 * await buildWithProgress(root, ["set"], console.log);
 */
export async function buildWithProgress(
  root: string,
  names: string[],
  log: (line: string) => void,
  force = false,
): Promise<BuildRow[]> {
  const all = listComponentNames(root);
  const unknown = names.filter((n) => !all.includes(n));
  if (unknown.length) {
    throw new UserError(
      `no component named ${unknown.map((n) => `"${n}"`).join(", ")} in registry/components`,
      "`acr parts scaffold <name>` creates one",
    );
  }
  const targets = names.length ? names : all;
  const mod = (await import(pathToFileURL(join(root, "registry", "scripts", "build.mjs")).href)) as {
    buildComponents: BuildComponents;
  };
  const rows: BuildRow[] = [];
  const failures: string[] = [];
  for (const [i, name] of targets.entries()) {
    log(`building ${i + 1}/${targets.length} ${name}`);
    try {
      const [row] = await mod.buildComponents({ names: [name], quiet: true, force });
      if (row) {
        rows.push(row);
        log(`  ${row.built ? "built" : "fresh"} ${(row.bytes / 1024).toFixed(1)} KB (${row.bytes} bytes)`);
      }
    } catch (err) {
      const text = compilerLocations(err instanceof Error ? err.message : String(err), name);
      failures.push(text.replace(/^component build failed:\n\s*/, ""));
      log(`  ${color.red("failed")}`);
    }
  }
  if (failures.length) {
    throw new UserError(`component build failed:\n${failures.join("\n")}`, "fix the error at the file:line:col above");
  }
  return rows;
}

/** Compares one call answer with a case's `expect`; returns null when it passes, else a readable diff. */
export function checkCase(c: ComponentCase, body: Record<string, unknown>): string | null {
  const mismatch = (expected: unknown, actual: unknown): string | null => {
    try {
      deepStrictEqual(actual, expected);
      return null;
    } catch (err) {
      return err instanceof AssertionError ? err.message : String(err);
    }
  };
  const error = body.error as { code?: string; message?: string } | undefined;
  if (c.expect.error) {
    if (body.status !== "failed") return `expected error ${c.expect.error.code}, got ${JSON.stringify(body)}`;
    return mismatch(c.expect.error.code, error?.code);
  }
  if (c.expect.pending) return body.status === "pending" ? null : `expected pending, got ${JSON.stringify(body)}`;
  if (body.status !== "succeeded")
    return `expected success, got ${body.status}: ${error?.code ?? ""} ${error?.message ?? JSON.stringify(body)}`;
  if (c.expect.data_keys) return mismatch([...c.expect.data_keys].sort(), Object.keys(body.data ?? {}).sort());
  return mismatch(c.expect.data, body.data);
}

/** A platform to run cases on: the configured one, or a throwaway one on workerd. */
interface Target {
  url: string;
  apiKey: string;
  label: string;
  dispose(): Promise<void>;
}

/**
 * A throwaway platform that knows freshly built components: the executor bundles the built-in
 * components at build time, so it is re-bundled into a temp folder (the checkout's
 * cypher-executor/dist is left alone) and started with in-memory state.
 */
async function throwawayPlatform(root: string, log: (line: string) => void): Promise<Target> {
  const tmpRoot = mkdtempSync(join(tmpdir(), "acr-component-test-"));
  const dist = join(tmpRoot, "cypher-executor", "dist");
  mkdirSync(dist, { recursive: true });
  symlinkSync(join(root, ".component-builds"), join(tmpRoot, ".component-builds"), "dir");
  log("bundling the executor with the built components (throwaway copy)…");
  try {
    execFileSync(
      process.execPath,
      [join(root, "node_modules", "wrangler", "bin", "wrangler.js"), "deploy", "--dry-run", "--outdir", dist],
      {
        cwd: join(root, "cypher-executor"),
        stdio: ["ignore", "ignore", "pipe"],
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_LOG: "error" },
      },
    );
  } catch (err) {
    rmSync(tmpRoot, { recursive: true, force: true });
    const stderr = String((err as { stderr?: Buffer }).stderr ?? "").trim();
    throw new UserError(`bundling the executor failed:\n${stderr.split("\n").slice(0, 30).join("\n")}`);
  }
  const secrets = {
    encryptionKey: randomBytes(32).toString("base64"),
    adminToken: `adm_${randomBytes(24).toString("hex")}`,
  };
  const platform = await startLocalPlatform({ stateDir: ":memory:", secrets, port: 0, root: tmpRoot });
  const dispose = async () => {
    await platform.dispose();
    rmSync(tmpRoot, { recursive: true, force: true });
  };
  try {
    const res = await fetch(`${platform.url}/v1/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${secrets.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ role: "admin", label: "acr component test" }),
    });
    if (!res.ok) throw new UserError(`the throwaway platform refused to create a key (HTTP ${res.status})`);
    const key = (await res.json()) as { api_key: string };
    return { url: platform.url, apiKey: key.api_key, label: "a throwaway local platform", dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/**
 * Runs a component's cases on a platform; one ✓/✗ line per case (with the diff on ✗).
 * Returns how many failed.
 */
async function runCases(
  name: string,
  cases: ComponentCase[],
  target: Target,
  log: (line: string) => void,
  confirmExposure = false,
) {
  const headers: Record<string, string> = {
    authorization: `Bearer ${target.apiKey}`,
    "content-type": "application/json",
    // A component that calls out (http_request, auth_*) needs a human's exposure consent per call.
    ...(confirmExposure
      ? {
          "x-arcrun-exposure-consent": JSON.stringify({
            confirmed_by_human: true,
            understood: true,
            confirmed_at: new Date().toISOString(),
            via: "flag",
          }),
        }
      : {}),
  };
  const known = await fetch(`${target.url}/v1/components/${name}`, { headers });
  if (known.status === 404) {
    throw new UserError(
      `${target.url} does not know the component "${name}": the executor bundles components when it is built`,
      "rebuild it (`npm run build -w cypher-executor`) and restart `acr dev`, or run with --local for a throwaway platform",
    );
  }
  const results: { name: string; ok: boolean; diff?: string }[] = [];
  for (const c of cases) {
    const res = await fetch(`${target.url}/v1/components/${name}/call`, {
      method: "POST",
      headers,
      body: JSON.stringify({ input: c.input, ...(c.limits ? { limits: c.limits } : {}) }),
    });
    const text = await res.text();
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { status: `HTTP ${res.status}`, error: { message: text.slice(0, 500) } };
    }
    const diff = checkCase(c, body);
    results.push({ name: c.name, ok: diff === null, ...(diff ? { diff } : {}) });
    log(diff === null ? `${color.green("✓")} ${c.name}` : `${color.red("✗")} ${c.name}\n${indent(diff)}`);
  }
  return results;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}

function readCases(root: string, name: string): ComponentCase[] {
  const file = join(root, "registry", "components", name, "cases.json");
  if (!existsSync(file)) throw new UserError(`${file} is missing`, "add cases: [{ name, input, expect: { data } }]");
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UserError(`${file} is not valid JSON: ${err instanceof Error ? err.message : err}`);
  }
  if (!Array.isArray(parsed)) throw new UserError(`${file}: expected an array of cases`);
  parsed.forEach((c, i) => {
    const ok = c && typeof c === "object" && typeof c.name === "string" && c.expect && typeof c.expect === "object";
    if (!ok) throw new UserError(`${file}: case ${i} needs "name" (string), "input" and "expect" (object)`);
  });
  return parsed as ComponentCase[];
}

/** `acr component build [name...]` and `acr component test <name>`. */
export function registerComponent(program: Command): Command {
  const component = program
    .command("component")
    .description("Build and test components in an arcrun checkout (registry/components/)");
  const json = () => Boolean(program.opts().json);
  // Progress goes to stderr under --json so stdout stays one JSON document.
  const log = (line: string) => (json() ? console.error(line) : console.log(line));

  component
    .command("build [names...]")
    .description("Compile components to .component-builds/{name}/{name}.wasm (all when no name is given)")
    .option("--force", "recompile even when the sources did not change")
    .addHelpText("after", "\nExamples:\n  $ acr component build\n  $ acr component build greet_user string_ops\n")
    .action(async (names: string[], o: { force?: boolean }) => {
      const root = findCheckout();
      const rows = await buildWithProgress(root, names, log, Boolean(o.force));
      if (json())
        console.log(JSON.stringify({ components: rows.map(({ name, bytes, built }) => ({ name, bytes, built })) }));
    });

  component
    .command("test <name>")
    .description("Build a component and run its cases.json through POST /v1/components/{name}/call")
    .option("--local", "always use a throwaway local platform, even when one is configured")
    .option("--confirm-exposure", "consent to the hosts the cases send data to (components that call out)")
    .addHelpText(
      "after",
      `
Where the cases run: the platform from ARCRUN_URL / .arcrun/dev.json / ~/.arcrun/config.yaml, or, when none
is configured (or with --local), a throwaway platform on workerd with in-memory state. The executor bundles
the built-in components when it is built, so the throwaway platform re-bundles it (into a temp folder) first;
a platform started earlier knows a NEW component only after \`npm run build -w cypher-executor\` and a restart.

Examples:
  $ acr component test greet_user
  $ acr component test string_ops --local --json
`,
    )
    .action(async (name: string, o: { local?: boolean; confirmExposure?: boolean }) => {
      const root = findCheckout();
      const cases = readCases(root, name);
      const [row] = await buildWithProgress(root, [name], log);
      const cfg = o.local ? null : resolveConfig();
      if (cfg) assertPlatformHasBuild(cfg, root, name, Boolean(row?.built));
      const target: Target = cfg
        ? { url: cfg.url, apiKey: cfg.apiKey, label: cfg.url, dispose: async () => {} }
        : await throwawayPlatform(root, log);
      let results: Awaited<ReturnType<typeof runCases>>;
      try {
        log(`running ${cases.length} case(s) of ${name} on ${target.label}`);
        results = await runCases(name, cases, target, log, Boolean(o.confirmExposure));
      } finally {
        await target.dispose();
      }
      const failed = results.filter((r) => !r.ok).length;
      if (json()) console.log(JSON.stringify({ name, passed: results.length - failed, failed, cases: results }));
      else log(failed ? color.red(`${failed} of ${results.length} failed`) : color.green(`${results.length} passed`));
      if (failed) process.exitCode = EXIT.failure;
    });
  return component;
}
