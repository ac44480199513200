import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { stripVTControlCharacters } from "node:util";
import type { CloudflareApi } from "../cloudflare/index.js";
import { enableWorkersDev, putSchedules, type ScriptBinding, uploadScript } from "../cloudflare/scripts.js";
import { UserError } from "../ui/errors.js";

/** The subset of a wrangler config the installer writes and reads. */
export interface WranglerConfig {
  name: string;
  main: string;
  compatibility_date: string;
  compatibility_flags?: string[];
  workers_dev?: boolean;
  vars?: Record<string, string>;
  kv_namespaces?: { binding: string; id: string }[];
  r2_buckets?: { binding: string; bucket_name: string }[];
  ratelimits?: { name: string; namespace_id: string; simple: { limit: number; period: 10 | 60 } }[];
  services?: { binding: string; service: string }[];
  triggers?: { crons: string[] };
  rules?: unknown[];
  /** Module aliases; relative paths are relative to the config's folder. */
  alias?: Record<string, string>;
  [k: string]: unknown;
}

/** A Worker to deploy: its generated wrangler config and where that config is written. */
export interface WorkerDeploy {
  kind: "component" | "console" | "executor";
  config: WranglerConfig;
  configFile: string;
}

/** A built component: `.component-builds/{dir}/worker.js` (+ `component.json`, maybe a wrangler config). */
export interface BuiltComponent {
  id: string;
  dir: string;
}

/** Reads JSONC as wrangler does for our own files: whole-line `//` comments only. */
export function readJsonc<T>(file: string): T {
  const text = readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => !/^\s*\/\//.test(l))
    .join("\n");
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new UserError(
      `${file} is not valid JSON (${err instanceof Error ? err.message : String(err)})`,
      "Rebuild it: npm run build (components: npm run build -w registry)",
    );
  }
}

/** The components `npm run build` produced, sorted by id. */
export function listBuiltComponents(buildsDir: string): BuiltComponent[] {
  if (!existsSync(buildsDir)) return [];
  const out: BuiltComponent[] = [];
  for (const name of readdirSync(buildsDir).sort()) {
    const dir = join(buildsDir, name);
    if (!existsSync(join(dir, "worker.js"))) continue;
    const manifest = join(dir, "component.json");
    const id = existsSync(manifest) ? ((readJsonc<{ name?: string }>(manifest).name ?? name) as string) : name;
    out.push({ id, dir });
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

/** `arcrun-http-request` for component `http_request` under prefix `arcrun`. */
export function componentWorkerName(prefix: string, id: string): string {
  return `${prefix}-${id.replace(/_/g, "-").toLowerCase()}`;
}

/** `CMP_HTTP_REQUEST`: the executor's service binding to that component worker. */
export function componentBinding(id: string): string {
  return `CMP_${id.toUpperCase().replace(/-/g, "_")}`;
}

export interface DeployInputs {
  root: string;
  prefix: string;
  outDir: string;
  kv: Record<string, string>;
  bucket: string;
  subdomain: string;
  components: BuiltComponent[];
  /** Browser origins allowed to call the API (ARCRUN_CORS_ORIGINS); none = CORS off. */
  corsOrigins?: string[];
}

/**
 * Writes one wrangler config per Worker into the deploy folder, with the account's real namespace
 * ids, bucket, `WORKER_SUBDOMAIN` and the executor's `CMP_{NAME}` service bindings.
 */
export function writeWranglerConfigs(d: DeployInputs): WorkerDeploy[] {
  mkdirSync(d.outDir, { recursive: true });
  const deploys: WorkerDeploy[] = [];
  for (const c of d.components) {
    const own = ["wrangler.jsonc", "wrangler.json"].map((f) => join(c.dir, f)).find((f) => existsSync(f));
    const base = own ? readJsonc<Partial<WranglerConfig>>(own) : {};
    delete base.$schema;
    const main = resolve(c.dir, base.main ?? "worker.js");
    if (!existsSync(main)) {
      throw new UserError(`Component ${c.id} is not fully built: ${main} is missing`, "Run npm run build -w registry");
    }
    const config: WranglerConfig = {
      compatibility_date: "2026-04-01",
      rules: [{ type: "CompiledWasm", globs: ["**/*.wasm"], fallthrough: true }],
      ...base,
      name: componentWorkerName(d.prefix, c.id),
      main,
      workers_dev: true,
    };
    deploys.push(write(d.outDir, "component", config));
  }
  // The console's files (/console): a Worker of their own, bound to the executor as CONSOLE (same origin).
  const consoleMain = join(d.root, "landing", "dist-console", "worker.js");
  const consoleName = `${d.prefix}-console`;
  const withConsole = existsSync(consoleMain);
  if (withConsole) {
    deploys.push(
      write(d.outDir, "console", { name: consoleName, main: consoleMain, compatibility_date: "2026-04-01" }),
    );
  }
  const exec = readJsonc<WranglerConfig>(join(d.root, "cypher-executor", "wrangler.jsonc"));
  delete exec.$schema;
  const execDir = resolve(d.root, "cypher-executor");
  const fromSource = existsSync(resolve(execDir, exec.main));
  const { alias, ...execRest } = exec;
  const execConfig: WranglerConfig = {
    ...execRest,
    name: `${d.prefix}-cypher-executor`,
    // The npm package has no sources: wrangler deploys the executor bundle it carries instead.
    main: fromSource ? resolve(execDir, exec.main) : resolve(execDir, "dist", "index.js"),
    // The generated config lives in another folder: relative alias targets are made absolute. A carried
    // bundle has its aliases applied already.
    ...(alias && fromSource
      ? {
          alias: Object.fromEntries(
            Object.entries(alias).map(([k, v]) => [k, v.startsWith(".") ? resolve(execDir, v) : v]),
          ),
        }
      : {}),
    workers_dev: true,
    vars: {
      ...exec.vars,
      WORKER_SUBDOMAIN: d.subdomain,
      ARCRUN_ENV: "production",
      ...(d.corsOrigins?.length ? { ARCRUN_CORS_ORIGINS: d.corsOrigins.join(",") } : {}),
    },
    kv_namespaces: (exec.kv_namespaces ?? []).map((n) => {
      const id = d.kv[n.binding];
      if (!id) throw new Error(`no namespace id for ${n.binding}`);
      return { binding: n.binding, id };
    }),
    r2_buckets: [{ binding: "WASM_BUCKET", bucket_name: d.bucket }],
    services: [
      ...d.components.map((c) => ({
        binding: componentBinding(c.id),
        service: componentWorkerName(d.prefix, c.id),
      })),
      ...(withConsole ? [{ binding: "CONSOLE", service: consoleName }] : []),
    ],
  };
  deploys.push(write(d.outDir, "executor", execConfig));
  return deploys;
}

function write(outDir: string, kind: WorkerDeploy["kind"], config: WranglerConfig): WorkerDeploy {
  const dir = join(outDir, config.name);
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, "wrangler.json");
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  return { kind, config, configFile };
}

/** How Workers reach Cloudflare: wrangler itself, or wrangler bundling + the Workers Scripts REST API. */
export type DeployVia = "wrangler" | "api";

export interface DeployEnv {
  accountId: string;
  apiToken: string;
  apiBaseUrl?: string;
  wranglerBin: string;
}

/**
 * Deploys one Worker. `wrangler`: `wrangler deploy -c {config}`. `api`: `wrangler deploy --dry-run
 * --outdir` bundles, then the installer uploads the bundle over the REST API (the same calls wrangler
 * makes), which is how the tests drive the local Cloudflare API fake with no network.
 */
export async function deployWorker(w: WorkerDeploy, via: DeployVia, env: DeployEnv, cf: CloudflareApi): Promise<void> {
  const cwd = dirname(w.configFile);
  if (via === "wrangler") {
    await runWrangler(env, ["deploy", "-c", w.configFile], cwd);
    return;
  }
  const out = join(cwd, "bundle");
  rmSync(out, { recursive: true, force: true });
  await runWrangler(env, ["deploy", "-c", w.configFile, "--dry-run", "--outdir", out], cwd);
  const mainModule = `${basename(w.config.main).replace(/\.(ts|mjs|js)$/, "")}.js`;
  if (!existsSync(join(out, mainModule))) throw new Error(`wrangler did not produce ${mainModule} in ${out}`);
  await uploadScript(cf, w.config.name, {
    dir: out,
    mainModule,
    compatibilityDate: w.config.compatibility_date,
    compatibilityFlags: w.config.compatibility_flags,
    bindings: bindingsOf(w.config),
  });
  if (w.config.workers_dev) await enableWorkersDev(cf, w.config.name);
  if (w.config.triggers?.crons?.length) await putSchedules(cf, w.config.name, w.config.triggers.crons);
}

/** The upload metadata bindings equivalent to a wrangler config. */
export function bindingsOf(c: WranglerConfig): ScriptBinding[] {
  return [
    ...(c.kv_namespaces ?? []).map(
      (n): ScriptBinding => ({ type: "kv_namespace", name: n.binding, namespace_id: n.id }),
    ),
    ...(c.r2_buckets ?? []).map(
      (b): ScriptBinding => ({ type: "r2_bucket", name: b.binding, bucket_name: b.bucket_name }),
    ),
    ...(c.services ?? []).map((s): ScriptBinding => ({ type: "service", name: s.binding, service: s.service })),
    ...(c.ratelimits ?? []).map((r): ScriptBinding => ({ type: "ratelimit", ...r })),
    ...Object.entries(c.vars ?? {}).map(
      ([name, text]): ScriptBinding => ({ type: "plain_text", name, text: String(text) }),
    ),
  ];
}

/** Runs wrangler with the account's token, metrics off; its own error text becomes the message. */
export function runWrangler(env: DeployEnv, args: string[], cwd: string): Promise<string> {
  return runProcess(process.execPath, [env.wranglerBin, ...args], cwd, {
    CLOUDFLARE_API_TOKEN: env.apiToken,
    CLOUDFLARE_ACCOUNT_ID: env.accountId,
    ...(env.apiBaseUrl ? { CLOUDFLARE_API_BASE_URL: env.apiBaseUrl } : {}),
    WRANGLER_LOG: process.env.WRANGLER_LOG ?? "warn",
  });
}

/** Runs a child process quietly; on failure its last output lines become a {@link UserError}. */
export function runProcess(
  cmd: string,
  args: string[],
  cwd: string,
  extraEnv: Record<string, string> = {},
): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, ...extraEnv, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (b) => {
      output += b;
    });
    child.stderr.on("data", (b) => {
      output += b;
    });
    child.on("error", (err) => reject(new UserError(`Cannot run ${basename(cmd)}: ${err.message}`)));
    child.on("close", (code) => {
      if (code === 0) return resolvePromise(output);
      const node = cmd === process.execPath;
      const shown = `${node ? basename(args[0] ?? cmd).replace(/\.js$/, "") : basename(cmd)} ${args.slice(node ? 1 : 0, 3).join(" ")}`;
      // Wrangler colours its output even under NO_COLOR; its first [ERROR] line is the cause.
      const lines = stripVTControlCharacters(output).trim().split("\n");
      const first = lines.findIndex((l) => l.includes("[ERROR]"));
      const tail = (first >= 0 ? lines.slice(first, first + 10) : lines.slice(-8)).join("\n");
      reject(
        new UserError(
          `${shown} failed (exit ${code}):\n${tail}`,
          "Fix the cause above and run the same acr command again: finished steps are not repeated",
        ),
      );
    });
  });
}
