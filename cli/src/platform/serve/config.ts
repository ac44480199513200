import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";
import type { Config, Service, Worker_Binding, Worker_Module } from "miniflare";
import { KV_BINDINGS, WEBHOOK_LIMIT_VARS } from "../local.js";
import type { LocalSecrets } from "../secrets.js";
import { KV_WORKER_SCRIPT } from "./kv-worker.js";
import { systemCaCertificates } from "./tls.js";

// serve's own services are named `serve:…`: component workers are `arcrun-{name}`, so names never collide.
/** The executor's worker name, also its service name in the workerd config. */
/** V8 semi-space size (MB) for serve's isolates; measured in bench (see the v8Flags comment below). */
const SEMI_SPACE_MB = 8;

export const EXECUTOR_SERVICE = "arcrun-cypher-executor";
const COMPAT_DATE = "2026-04-01";
const R2_BUCKET_ID = "arcrun-wasm";
// Miniflare's storage workers forward logs and errors to its Node loopback when bound; serve has
// no such process, and the binding is optional in those workers.
const LOOPBACK_BINDING = "MINIFLARE_LOOPBACK";

export interface ServeConfigOptions {
  /** Absolute folder holding `kv/` and `r2/` (same layout as `acr dev`, so state is portable). */
  stateDir: string;
  secrets: LocalSecrets;
  /** `host:port` the HTTP socket binds. */
  address: string;
  /** Folder of the built executor (`cypher-executor/dist`). */
  executorDir: string;
  /** Folder of the component builds (`.component-builds`). */
  componentsDir: string;
  /** Hosts the http_request host function may reach although private. */
  allowHosts?: string[];
  /** The console's generated worker (`landing/dist-console/worker.js`); absent: no /console. */
  consoleWorker?: string;
  /** Browser origins allowed to call the API (ARCRUN_CORS_ORIGINS); none = CORS off. */
  corsOrigins?: string[];
  /**
   * `arcrun` (default): serve's own KV service (cached reads, group-committed writes, `{state}/kv-serve`).
   * `miniflare`: Miniflare's KV storage workers (`{state}/kv`, the format `acr dev` writes).
   */
  kv?: "arcrun" | "miniflare";
  /** CA certificates (PEM) outbound TLS trusts besides the browser CAs; default: the system store. */
  trustedCertificates?: string[];
}

/** A built component worker: `.component-builds/{name}/worker.js`, bound as `CMP_{NAME}`. */
export interface ComponentWorker {
  dir: string;
  workerName: string;
  binding: string;
}

/**
 * Builds the workerd config of `acr serve`: the executor behind a plain HTTP socket (no Miniflare
 * entry worker in the path), the component workers behind service bindings, and KV/R2 served by
 * Miniflare's own storage workers (Durable Objects on SQLite in `localDisk`), so the data format is
 * the one `acr dev` writes.
 *
 * @example
 * const config = await buildServeConfig({ stateDir, secrets, address: "127.0.0.1:8787", executorDir, componentsDir });
 * writeFileSync("workerd.bin", serializeConfig(config));
 */
export async function buildServeConfig(opts: ServeConfigOptions): Promise<Config> {
  // Imported here, not at the top: Miniflare takes ~0.8 s to load and most `acr` commands never need it.
  const { Log, LogLevel, R2_PLUGIN } = await import("miniflare");
  const log = new Log(LogLevel.WARN);
  const namespaceIds = Object.fromEntries(KV_BINDINGS.map((b) => [b, `arcrun-${b.toLowerCase()}`]));
  const r2Options = { r2Buckets: { WASM_BUCKET: R2_BUCKET_ID } };
  const common = {
    log,
    tmpPath: join(opts.stateDir, "tmp"),
    defaultPersistRoot: undefined,
    unsafeStickyBlobs: false,
  };
  const ownKv = (opts.kv ?? "arcrun") === "arcrun";
  // Only the fields the KV and R2 plugins read are passed; their types name every plugin's inputs.
  const kvServices = ownKv
    ? arcrunKvServices(join(opts.stateDir, "kv-serve"), namespaceIds)
    : (await miniflareKv(opts.stateDir)).services;
  const r2Services = (await R2_PLUGIN.getServices({
    ...common,
    options: r2Options,
    sharedOptions: { r2Persist: join(opts.stateDir, "r2") },
  } as unknown as Parameters<typeof R2_PLUGIN.getServices>[0])) as Service[];
  const storageBindings = [
    ...(ownKv
      ? KV_BINDINGS.map((b): Worker_Binding => ({ name: b, kvNamespace: { name: `serve:kv:${b}` } }))
      : (await miniflareKv(opts.stateDir)).bindings),
    ...((await R2_PLUGIN.getBindings(r2Options as never, 0)) as Worker_Binding[]),
  ];

  const components = listComponentWorkers(opts.componentsDir);
  const consoleService: Service | null =
    opts.consoleWorker && existsSync(opts.consoleWorker)
      ? {
          name: "serve:console",
          worker: {
            modules: [{ name: "worker.js", esModule: readFileSync(opts.consoleWorker, "utf8") }],
            compatibilityDate: COMPAT_DATE,
          },
        }
      : null;
  const allowHosts = opts.allowHosts ?? [];
  const executor: Service = {
    name: EXECUTOR_SERVICE,
    worker: {
      modules: readModules(opts.executorDir, "index.js"),
      compatibilityDate: COMPAT_DATE,
      compatibilityFlags: ["nodejs_compat"],
      bindings: [
        ...storageBindings,
        // Execution records go straight to the store, which commits concurrent ones together (ANALYTICS_KV_STORE;
        // batches through the front worker, ANALYTICS_KV_BULK, when that is absent): executions/group-commit.
        ...(ownKv ? recordStoreBindings(namespaceIds.ANALYTICS_KV as string) : []),
        { name: "ENCRYPTION_KEY", text: opts.secrets.encryptionKey },
        // Only during a key rotation (docs/credentials.md); `acr serve` picks it up when restarted.
        ...(opts.secrets.encryptionKeyNext
          ? [{ name: "ENCRYPTION_KEY_NEXT", text: opts.secrets.encryptionKeyNext }]
          : []),
        { name: "ADMIN_TOKEN", text: opts.secrets.adminToken },
        { name: "ARCRUN_ENV", text: "local" },
        { name: "WORKER_SUBDOMAIN", text: "" },
        { name: "ARCRUN_ALLOW_HOSTS", text: allowHosts.join(",") },
        { name: "ARCRUN_CORS_ORIGINS", text: (opts.corsOrigins ?? []).join(",") },
        ...WEBHOOK_LIMIT_VARS.flatMap((v) => (process.env[v] ? [{ name: v, text: process.env[v] }] : [])),
        ...(allowHosts.length > 0 ? [{ name: "ARCRUN_PRIVATE_NET", service: { name: "serve:private-net" } }] : []),
        // A scraper's token for /metrics, from the operator's environment (docs/operations.md).
        ...(process.env.METRICS_TOKEN ? [{ name: "METRICS_TOKEN", text: process.env.METRICS_TOKEN }] : []),
        ...components.map((c): Worker_Binding => ({ name: c.binding, service: { name: c.workerName } })),
        ...(consoleService ? [{ name: "CONSOLE", service: { name: consoleService.name } }] : []),
      ],
      globalOutbound: { name: "internet" },
    },
  };
  const componentServices = components.map(
    (c): Service => ({
      name: c.workerName,
      worker: { modules: readModules(c.dir, "worker.js"), compatibilityDate: COMPAT_DATE },
    }),
  );
  // workerd resolves each name, checks every address against `allow` and connects to the one it
  // checked: the global outbound reaches public addresses only, whatever a name resolves to. Hosts the
  // operator names go through serve:private-net, and only those (runtime/net in the executor).
  const tlsOptions = {
    // Without tlsOptions the network service speaks plain HTTP only ("this HttpClient doesn't
    // support HTTPS"): trust the browser CAs plus the system store, as Node and curl on the box would.
    trustBrowserCas: true,
    trustedCertificates: opts.trustedCertificates ?? systemCaCertificates(process.env),
  };
  const internet: Service = { name: "internet", network: { allow: ["public"], tlsOptions } };
  const privateNet: Service = {
    name: "serve:private-net",
    network: { allow: ["public", "private", "local"], tlsOptions },
  };

  // workerd has no cron scheduler: Node ticks this worker each minute on a loopback-only socket and it
  // calls the executor's scheduled() handler, as Cloudflare's cron trigger `* * * * *` would.
  const cron: Service = {
    name: "serve:cron",
    worker: {
      modules: [{ name: "cron.mjs", esModule: CRON_WORKER_SCRIPT }],
      compatibilityDate: COMPAT_DATE,
      // Makes `EXECUTOR.scheduled()` the event a cron trigger sends, not an RPC call (as Miniflare does).
      compatibilityFlags: ["service_binding_extra_handlers"],
      bindings: [{ name: "EXECUTOR", service: { name: EXECUTOR_SERVICE } }],
    },
  };

  return {
    // V8's young generation, per isolate. Request garbage (and the native memory its JS objects own, which
    // workerd's allocator never returns to the OS) waits there: after 75 s of a 16-connection load serve held
    // 396-418 MB with 16 MB semi-spaces, 309-319 MB with 8 MB at the same exec/s and CPU per execution; 4 MB
    // cost ~12% CPU. docs/performance.md, "Where serve's RSS goes" → "What holds the growth".
    v8Flags: [`--max-semi-space-size=${SEMI_SPACE_MB}`],
    extensions: [{ modules: sharedStorageModules() }],
    services: [
      executor,
      ...componentServices,
      ...(consoleService ? [consoleService] : []),
      ...stripLoopback([...kvServices, ...r2Services]),
      internet,
      ...(allowHosts.length > 0 ? [privateNet] : []),
      cron,
    ],
    sockets: [
      { name: "http", address: opts.address, http: {}, service: { name: EXECUTOR_SERVICE } },
      { name: "cron", address: "127.0.0.1:0", http: {}, service: { name: "serve:cron" } },
    ],
  };
}

/**
 * Miniflare's KV storage workers over `{stateDir}/kv` (the format `acr dev` wrote before it ran on serve's
 * engine), and the executor's bindings to them (named as the seed's namespaces). Needs `extensions` of the
 * serve config (Miniflare's shared storage modules).
 */
export async function miniflareKv(stateDir: string): Promise<{ services: Service[]; bindings: Worker_Binding[] }> {
  const { KV_PLUGIN, Log, LogLevel } = await import("miniflare");
  const kvOptions = { kvNamespaces: Object.fromEntries(KV_BINDINGS.map((b) => [b, `arcrun-${b.toLowerCase()}`])) };
  const services = (await KV_PLUGIN.getServices({
    log: new Log(LogLevel.WARN),
    tmpPath: join(stateDir, "tmp"),
    defaultPersistRoot: undefined,
    unsafeStickyBlobs: false,
    options: kvOptions,
    sharedOptions: { kvPersist: join(stateDir, "kv") },
  } as unknown as Parameters<typeof KV_PLUGIN.getServices>[0])) as Service[];
  const bindings = (await KV_PLUGIN.getBindings(kvOptions as never, 0)) as Worker_Binding[];
  return { services: stripLoopback(services), bindings };
}

/**
 * serve's own KV: one front worker per namespace (`serve:kv:{BINDING}`, holding that namespace's read
 * cache) and one SQLite-backed Durable Object class storing every namespace under `dir`.
 */
function arcrunKvServices(dir: string, namespaceIds: Record<string, string>): Service[] {
  mkdirSync(dir, { recursive: true });
  const modules = [{ name: "kv.mjs", esModule: KV_WORKER_SCRIPT }];
  return [
    { name: "serve:kv-disk", disk: { path: dir, writable: true } },
    {
      name: "serve:kv-store",
      worker: {
        modules,
        compatibilityDate: COMPAT_DATE,
        durableObjectNamespaces: [{ className: "KvStore", uniqueKey: "serve:kv-store", enableSql: true }],
        durableObjectStorage: { localDisk: "serve:kv-disk" },
      },
    },
    ...Object.entries(namespaceIds).map(
      ([binding, id]): Service => ({
        name: `serve:kv:${binding}`,
        worker: {
          modules,
          compatibilityDate: COMPAT_DATE,
          bindings: [
            { name: "NAMESPACE", text: id },
            // Written straight to the store by the executor (recordStoreBindings), so never cached in front.
            ...(binding === "ANALYTICS_KV" ? [{ name: "UNCACHED_PREFIX", text: "execution:" }] : []),
            { name: "STORE", durableObjectNamespace: { className: "KvStore", serviceName: "serve:kv-store" } },
          ],
        },
      }),
    ),
  ];
}

/**
 * The executor's ways to the execution-record store: the KV store's Durable Object itself (one RPC per record,
 * `KvStore.putRecords`: one hop and one isolate fewer than the front worker; the store commits concurrent
 * records in one transaction) and the front worker's `POST /bulk/put` (records batched in the executor).
 * ANALYTICS_KV's front worker never caches `execution:` keys, so its reads stay exact.
 */
function recordStoreBindings(namespaceId: string): Worker_Binding[] {
  return [
    { name: "ANALYTICS_KV_BULK", service: { name: "serve:kv:ANALYTICS_KV" } },
    { name: "ANALYTICS_KV_STORE", durableObjectNamespace: { className: "KvStore", serviceName: "serve:kv-store" } },
    { name: "ANALYTICS_KV_NAMESPACE", text: namespaceId },
  ];
}

const CRON_WORKER_SCRIPT = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const cron = url.searchParams.get("cron") ?? "* * * * *";
    const time = Number(url.searchParams.get("time") ?? Date.now());
    const result = await env.EXECUTOR.scheduled({ scheduledTime: new Date(time), cron });
    return Response.json(result, { status: result.outcome === "ok" ? 200 : 500 });
  },
};`;

/** Each `.component-builds/{name}/worker.js` becomes a worker `arcrun-{kebab}` bound as `CMP_{NAME}` (as in `acr dev`). */
export function listComponentWorkers(dir: string): ComponentWorker[] {
  if (!existsSync(dir)) return [];
  const out: ComponentWorker[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!existsSync(join(dir, name, "worker.js"))) continue;
    const manifestFile = join(dir, name, "component.json");
    const manifest = existsSync(manifestFile)
      ? (JSON.parse(readFileSync(manifestFile, "utf8")) as { name?: string })
      : {};
    const id = manifest.name ?? name;
    out.push({
      dir: join(dir, name),
      workerName: `arcrun-${id.replace(/_/g, "-")}`,
      binding: `CMP_${id.toUpperCase().replace(/-/g, "_")}`,
    });
  }
  return out;
}

/** The ES modules and compiled wasm of a bundle folder, the entry first (workerd's rule). */
function readModules(dir: string, entry: string): Worker_Module[] {
  const files = walk(dir).filter((f) => /\.(m?js|wasm)$/.test(f));
  const names = files.map((f) => relative(dir, f).split(sep).join("/"));
  const ordered = [entry, ...names.filter((n) => n !== entry).sort()];
  return ordered.map((name): Worker_Module => {
    const bytes = readFileSync(join(dir, name));
    return name.endsWith(".wasm") ? { name, wasm: bytes } : { name, esModule: bytes.toString("utf8") };
  });
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules") continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

/** The `miniflare:shared` and `miniflare:zod` modules Miniflare's storage workers import, as Miniflare itself ships them. */
function sharedStorageModules(): { name: string; esModule: string }[] {
  const workers = join(dirname(createRequire(import.meta.url).resolve("miniflare")), "workers", "shared");
  return [
    { name: "miniflare:shared", esModule: readFileSync(join(workers, "index.worker.js"), "utf8") },
    { name: "miniflare:zod", esModule: readFileSync(join(workers, "zod.worker.js"), "utf8") },
  ];
}

function stripLoopback(services: Service[]): Service[] {
  return services.map((s) => {
    if (!("worker" in s) || !s.worker) return s;
    const bindings = s.worker.bindings?.filter((b) => b.name !== LOOPBACK_BINDING);
    return { ...s, worker: { ...s.worker, bindings } };
  });
}
