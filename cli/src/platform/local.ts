import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Miniflare, MiniflareOptions, WorkerOptions } from "miniflare";
import { componentBuilds, consoleWorker, executorDist } from "./paths.js";
import type { LocalSecrets } from "./secrets.js";
import { systemCaCertificates } from "./serve/tls.js";

/** The KV namespaces of the seed, all bound to the executor. */
export const KV_BINDINGS = [
  "WEBHOOKS",
  "CREDENTIALS_KV",
  "RECIPES",
  "USERS_KV",
  "SESSIONS_KV",
  "ANALYTICS_KV",
  "EXEC_CONTEXT",
] as const;

/** The worker serving the console's files, bound to the executor as CONSOLE. */
const CONSOLE_WORKER = "arcrun-console";

/** Worker variables `acr dev` and `acr serve` take from their own environment when set. */
export const WEBHOOK_LIMIT_VARS = ["ARCRUN_OPEN_WEBHOOK_RATE_LIMIT", "ARCRUN_TENANT_WEBHOOK_RATE_LIMIT"];

export interface LocalPlatformOptions {
  /** Persisted KV/R2 state; `":memory:"` keeps everything in memory (tests). */
  stateDir: string;
  secrets: LocalSecrets;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Hosts the http_request host function may reach although private (tests, local services). */
  allowHosts?: string[];
  /** Browser origins allowed to call the API (ARCRUN_CORS_ORIGINS); none = CORS off. */
  corsOrigins?: string[];
  /** Project root holding cypher-executor/dist and .component-builds. */
  root?: string;
  /** Cloudflare Rate Limiting bindings of the executor (Miniflare simulates them), e.g. ARCRUN_WEBHOOK_LIMITER. */
  rateLimits?: Record<string, { simple: { limit: number; period?: 10 | 60 } }>;
  verbose?: boolean;
  /** Extra plain-text bindings of the executor, over the defaults (tests: `ARCRUN_ENV: "production"`). */
  bindings?: Record<string, string>;
}

export interface LocalPlatform {
  url: string;
  mf: Miniflare;
  /** Swaps the Worker secrets (key rotation) in place; the URL and the stored state stay. */
  setSecrets(secrets: LocalSecrets): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Starts the cypher-executor (and every built component worker, linked by service bindings)
 * on workerd through Miniflare, with KV and R2 persisted under `stateDir`.
 *
 * @example
 * const p = await startLocalPlatform({ stateDir: ".arcrun/state", secrets, port: 8787 });
 * await fetch(`${p.url}/health`);
 */
export async function startLocalPlatform(opts: LocalPlatformOptions): Promise<LocalPlatform> {
  const dist = opts.root ? join(opts.root, "cypher-executor", "dist") : executorDist();
  const script = join(dist, "index.js");
  if (!existsSync(script)) {
    throw new Error(`the executor is not built (${script} is missing): run \`npm run build\` first`);
  }
  const memory = opts.stateDir === ":memory:";
  const tlsOptions = { trustBrowserCas: true, trustedCertificates: systemCaCertificates(process.env) };
  const publicNetwork = { allow: ["public"], tlsOptions };
  const privateNetwork = { allow: ["public", "private", "local"], tlsOptions };
  if (!memory) mkdirSync(opts.stateDir, { recursive: true });
  const components = listComponentWorkers(componentBuilds(opts.root));
  const consoleScript = opts.root ? consoleWorker(opts.root) : consoleWorker();
  const withConsole = existsSync(consoleScript);

  const executorFor = (secrets: LocalSecrets): WorkerOptions => ({
    name: "arcrun-cypher-executor",
    modules: true,
    scriptPath: script,
    modulesRoot: dist,
    modulesRules: [
      { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2026-04-01",
    compatibilityFlags: ["nodejs_compat"],
    kvNamespaces: Object.fromEntries(KV_BINDINGS.map((b) => [b, `arcrun-${b.toLowerCase()}`])),
    ...(opts.rateLimits ? { ratelimits: opts.rateLimits } : {}),
    r2Buckets: { WASM_BUCKET: "arcrun-wasm" },
    bindings: {
      ENCRYPTION_KEY: secrets.encryptionKey,
      ...(secrets.encryptionKeyNext ? { ENCRYPTION_KEY_NEXT: secrets.encryptionKeyNext } : {}),
      ADMIN_TOKEN: secrets.adminToken,
      ARCRUN_ENV: "local",
      WORKER_SUBDOMAIN: "",
      ARCRUN_ALLOW_HOSTS: (opts.allowHosts ?? []).join(","),
      ARCRUN_CORS_ORIGINS: (opts.corsOrigins ?? []).join(","),
      // Webhook rate-limit defaults (docs/webhooks.md), from the environment acr dev runs in.
      ...Object.fromEntries(WEBHOOK_LIMIT_VARS.flatMap((v) => (process.env[v] ? [[v, process.env[v]]] : []))),
      // A scraper's token for /metrics, from the operator's environment (docs/operations.md).
      ...(process.env.METRICS_TOKEN ? { METRICS_TOKEN: process.env.METRICS_TOKEN } : {}),
      ...opts.bindings,
    },
    serviceBindings: {
      ...Object.fromEntries(components.map((c) => [c.binding, c.workerName])),
      // The console's files (/console), when built.
      ...(withConsole ? { CONSOLE: CONSOLE_WORKER } : {}),
      // Only the operator's --allow-host names use this one (runtime/net); docs/security.md.
      ...((opts.allowHosts ?? []).length > 0 ? { ARCRUN_PRIVATE_NET: { network: privateNetwork } } : {}),
    },
    // workerd resolves, checks every address, and connects to the checked one: names that resolve
    // to loopback or private ranges are refused here, whatever their spelling.
    outboundService: { network: publicNetwork },
  });
  const componentWorkers: WorkerOptions[] = [
    ...components.map(
      (c): WorkerOptions => ({
        name: c.workerName,
        modules: true,
        scriptPath: c.script,
        modulesRoot: c.dir,
        modulesRules: [
          { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
          { type: "CompiledWasm", include: ["**/*.wasm"] },
        ],
        compatibilityDate: "2026-04-01",
      }),
    ),
    ...(withConsole
      ? [
          {
            name: CONSOLE_WORKER,
            modules: true,
            scriptPath: consoleScript,
            modulesRoot: dirname(consoleScript),
            compatibilityDate: "2026-04-01",
          },
        ]
      : []),
  ];

  // Miniflare takes ~0.8 s to import: only the commands that start a platform pay for it.
  const { Log, LogLevel, Miniflare } = await import("miniflare");
  const options = (secrets: LocalSecrets): MiniflareOptions => ({
    workers: [executorFor(secrets), ...componentWorkers],
    host: opts.host ?? "127.0.0.1",
    port: opts.port ?? 0,
    ...(memory
      ? {}
      : {
          kvPersist: join(opts.stateDir, "kv"),
          r2Persist: join(opts.stateDir, "r2"),
          cachePersist: join(opts.stateDir, "cache"),
          durableObjectsPersist: join(opts.stateDir, "do"),
        }),
    cf: false,
    log: opts.verbose ? new Log(LogLevel.INFO) : new Log(LogLevel.WARN),
  });
  const mf = new Miniflare(options(opts.secrets));
  const url = (await mf.ready).toString().replace(/\/$/, "");
  // setOptions keeps the port (even a port picked with 0) and the persisted KV/R2 state.
  return { url, mf, setSecrets: (s) => mf.setOptions(options(s)), dispose: () => mf.dispose() };
}

interface ComponentWorker {
  dir: string;
  script: string;
  workerName: string;
  binding: string;
}

/** Each `.component-builds/{name}/worker.js` becomes a worker `arcrun-{kebab}` bound as `CMP_{NAME}`. */
function listComponentWorkers(dir: string): ComponentWorker[] {
  if (!existsSync(dir)) return [];
  const out: ComponentWorker[] = [];
  for (const name of readdirSync(dir).sort()) {
    const script = join(dir, name, "worker.js");
    if (!existsSync(script)) continue;
    const manifestFile = join(dir, name, "component.json");
    const manifest = existsSync(manifestFile)
      ? (JSON.parse(readFileSync(manifestFile, "utf8")) as { name?: string })
      : {};
    const id = manifest.name ?? name;
    out.push({
      dir: join(dir, name),
      script,
      workerName: `arcrun-${id.replace(/_/g, "-")}`,
      binding: `CMP_${id.toUpperCase().replace(/-/g, "_")}`,
    });
  }
  return out;
}
