/**
 * A FAKE of the Cloudflare v4 REST API, for tests only: no Cloudflare account can be reached here.
 *
 * It is a faithful local HTTP server (127.0.0.1) for the endpoints the installer uses, with the real
 * response envelope `{ success, errors, messages, result, result_info }`, the real error codes
 * (9106 missing auth, 1000 invalid token, 10000 authentication error / missing permission,
 * 10014 duplicate KV title, 10004 duplicate bucket, 10007 no such Worker), page/per_page pagination
 * of KV namespaces and cursor pagination of R2 buckets.
 *
 * Uploaded Workers really run (fake-cloudflare-workers.ts): every uploaded script, with its bindings and secrets, is served by one
 * Miniflare (workerd) instance whose KV namespaces are keyed by the namespace ids handed out here,
 * persisted in a temp folder, so the KV values REST endpoints and the deployed Workers see the same
 * data, and a redeploy keeps it, as on Cloudflare. `workerUrl(name)` plays the part of
 * `{name}.{subdomain}.workers.dev`.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Script, WorkersRuntime } from "./fake-cloudflare-workers";

export const PERMISSIONS = {
  account: "Account Settings: Read",
  kv: "Workers KV Storage: Edit",
  r2: "Workers R2 Storage: Edit",
  scripts: "Workers Scripts: Edit",
} as const;

interface Token {
  permissions: Set<string>;
  /** Account-owned tokens fail `/user/tokens/verify` and pass `/accounts/{id}/tokens/verify`. */
  accountOwned: boolean;
}

export interface FakeCloudflareOptions {
  accountId?: string;
  subdomain?: string | null;
}

type Handler = (req: Req) => Promise<Res> | Res;
interface Req {
  method: string;
  path: string;
  query: URLSearchParams;
  params: string[];
  request: Request;
}
type Res = { status?: number; result?: unknown; result_info?: unknown; raw?: string | Uint8Array };

export class FakeCloudflare {
  readonly accountId: string;
  subdomain: string | null;
  readonly tokens = new Map<string, Token>();
  readonly kv = new Map<string, { id: string; title: string }>();
  readonly buckets = new Map<string, { name: string; creation_date: string; location: string }>();
  readonly scripts = new Map<string, Script>();
  /** Every request: method and path (tests count creations with it). */
  readonly log: { method: string; path: string; status: number }[] = [];
  /** Injected failures: "METHOD path-regex" → remaining count. */
  private failures: { method: string; path: RegExp; times: number }[] = [];
  /** Versions uploaded with `POST …/versions`, not yet deployed. */
  private pending = new Map<string, Script>();
  private server?: Server;
  private workerServers = new Map<string, Server>();
  private readonly dir = mkdtempSync(join(tmpdir(), "fake-cf-"));
  private readonly workers = new WorkersRuntime(this.dir);
  url = "";

  constructor(opts: FakeCloudflareOptions = {}) {
    this.accountId = opts.accountId ?? randomBytes(16).toString("hex");
    this.subdomain = opts.subdomain === undefined ? "tester" : opts.subdomain;
  }

  /** Registers an API token with the given permissions (default: all four). */
  addToken(permissions: string[] = Object.values(PERMISSIONS), accountOwned = false): string {
    const token = randomBytes(20).toString("base64url");
    this.tokens.set(token, { permissions: new Set(permissions), accountOwned });
    return token;
  }

  /** The next `times` requests matching method and path fail with a 500 `10001` internal error. */
  failNext(method: string, path: RegExp, times = 1): void {
    this.failures.push({ method, path, times });
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server?.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/client/v4`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const s of [this.server, ...this.workerServers.values()]) {
      s?.closeAllConnections();
      await new Promise((r) => s?.close(r));
    }
    await this.workers.dispose();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The local stand-in for `https://{name}.{subdomain}.workers.dev`. */
  async workerUrl(name: string): Promise<string> {
    let server = this.workerServers.get(name);
    if (!server) {
      server = createServer((req, res) => void this.serveWorker(name, req, res));
      await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
      this.workerServers.set(name, server);
    }
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Reads a KV value as the deployed Workers see it. */
  async kvGet(namespaceId: string, key: string): Promise<string | null> {
    return (await this.kvNamespace(namespaceId)).get(key);
  }

  async kvPut(namespaceId: string, key: string, value: string): Promise<void> {
    await (await this.kvNamespace(namespaceId)).put(key, value);
  }

  async kvKeys(namespaceId: string): Promise<string[]> {
    return (await (await this.kvNamespace(namespaceId)).list()).keys.map((k) => k.name);
  }

  // ---------------------------------------------------------------- routing

  private routes: [string, RegExp, Handler][] = [
    ["GET", /^\/user\/tokens\/verify$/, (r) => this.verify(r, false)],
    ["GET", /^\/accounts\/([^/]+)\/tokens\/verify$/, (r) => this.verify(r, true)],
    ["GET", /^\/accounts\/([^/]+)$/, () => ({ result: { id: this.accountId, name: "Fake account", settings: {} } })],
    ["GET", /^\/accounts\/([^/]+)\/storage\/kv\/namespaces$/, (r) => this.listKv(r)],
    ["POST", /^\/accounts\/([^/]+)\/storage\/kv\/namespaces$/, (r) => this.createKv(r)],
    ["GET", /^\/accounts\/([^/]+)\/storage\/kv\/namespaces\/([^/]+)\/keys$/, (r) => this.kvKeysRoute(r)],
    ["GET", /^\/accounts\/([^/]+)\/storage\/kv\/namespaces\/([^/]+)\/values\/(.+)$/, (r) => this.kvGetRoute(r)],
    ["PUT", /^\/accounts\/([^/]+)\/storage\/kv\/namespaces\/([^/]+)\/values\/(.+)$/, (r) => this.kvPutRoute(r)],
    ["GET", /^\/accounts\/([^/]+)\/r2\/buckets$/, (r) => this.listBuckets(r)],
    ["POST", /^\/accounts\/([^/]+)\/r2\/buckets$/, (r) => this.createBucket(r)],
    ["GET", /^\/accounts\/([^/]+)\/r2\/buckets\/([^/]+)$/, (r) => this.getBucket(r)],
    ["GET", /^\/accounts\/([^/]+)\/workers\/subdomain$/, () => this.getSubdomain()],
    [
      "GET",
      /^\/accounts\/([^/]+)\/workers\/scripts$/,
      () => ({ result: [...this.scripts.values()].map((s) => ({ id: s.name })) }),
    ],
    ["PUT", /^\/accounts\/([^/]+)\/workers\/scripts\/([^/]+)$/, (r) => this.upload(r)],
    // What `wrangler deploy` asks first: 10090 tells it the Worker is new.
    ["GET", /^\/accounts\/([^/]+)\/workers\/services\/([^/]+)$/, (r) => this.service(r)],
    ["GET", /^\/accounts\/([^/]+)\/workers\/scripts\/([^/]+)\/deployments$/, (r) => this.deployments(r)],
    ["GET", /^\/accounts\/([^/]+)\/workers\/scripts\/([^/]+)\/versions$/, (r) => this.versions(r)],
    ["POST", /^\/accounts\/([^/]+)\/workers\/scripts\/([^/]+)\/versions$/, (r) => this.uploadVersion(r)],
    ["POST", /^\/accounts\/([^/]+)\/workers\/scripts\/([^/]+)\/deployments$/, (r) => this.deploy(r)],
    ["GET", /^\/accounts\/([^/]+)\/workers\/scripts\/([^/]+)\/versions\/([^/]+)$/, (r) => this.version(r)],
    ["POST", /^\/accounts\/([^/]+)\/workers\/scripts\/([^/]+)\/subdomain$/, (r) => this.scriptSubdomain(r)],
    ["GET", /^\/accounts\/([^/]+)\/workers\/scripts\/([^/]+)\/subdomain$/, (r) => this.scriptSubdomainGet(r)],
    ["PUT", /^\/accounts\/([^/]+)\/workers\/scripts\/([^/]+)\/schedules$/, (r) => this.schedules(r)],
    ["GET", /^\/accounts\/([^/]+)\/workers\/scripts\/([^/]+)\/secrets$/, (r) => this.listSecrets(r)],
    ["PUT", /^\/accounts\/([^/]+)\/workers\/scripts\/([^/]+)\/secrets$/, (r) => this.putSecret(r)],
  ];

  private permissionFor(method: string, path: string): string | null {
    if (/\/tokens\/verify$/.test(path)) return null;
    if (/\/storage\/kv\//.test(path)) return PERMISSIONS.kv;
    if (/\/r2\//.test(path)) return PERMISSIONS.r2;
    if (/\/workers\//.test(path)) return PERMISSIONS.scripts;
    if (/^\/accounts\/[^/]+$/.test(path) && method === "GET") return PERMISSIONS.account;
    return null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? "/", "http://x");
    const path = u.pathname.replace(/^\/client\/v4/, "");
    const send = (status: number, body: unknown, raw?: string | Uint8Array) => {
      this.log.push({ method: req.method ?? "", path, status });
      res.writeHead(status, { "content-type": raw !== undefined ? "application/octet-stream" : "application/json" });
      res.end(raw !== undefined ? raw : JSON.stringify(body));
    };
    const fail = (status: number, code: number, message: string) =>
      send(status, { success: false, errors: [{ code, message }], messages: [], result: null });
    try {
      const auth = req.headers.authorization;
      if (!auth) return fail(400, 9106, "Missing X-Auth-Key, X-Auth-Email or Authorization headers");
      const token = this.tokens.get(auth.replace(/^Bearer\s+/i, ""));
      const verify = /\/tokens\/verify$/.test(path);
      if (!token) return verify ? fail(401, 1000, "Invalid API Token") : fail(403, 9109, "Invalid access token");
      const route = this.routes.find(([m, re]) => m === req.method && re.test(path));
      if (!route) return fail(404, 7003, `Could not route to ${path}, perhaps your object identifier is invalid?`);
      const params = (path.match(route[1]) ?? []).slice(1);
      if (path.startsWith("/accounts/") && params[0] !== this.accountId)
        return fail(403, 10000, "Authentication error");
      const needed = this.permissionFor(req.method ?? "", path);
      // Reads accept the ": Read" variant of a permission; writes need ": Edit".
      const readOk = req.method === "GET" && needed && token.permissions.has(needed.replace(/: Edit$/, ": Read"));
      if (needed && !token.permissions.has(needed) && !readOk) return fail(403, 10000, "Authentication error");
      const injected = this.failures.find((f) => f.method === req.method && f.path.test(path) && f.times > 0);
      if (injected) {
        injected.times--;
        return fail(500, 10001, "We encountered an internal error. Please try again.");
      }
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const request = new Request(`http://x${req.url}`, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body: chunks.length ? Buffer.concat(chunks) : undefined,
      });
      const out = await route[2]({ method: req.method ?? "", path, query: u.searchParams, params, request });
      if (out.raw !== undefined) return send(out.status ?? 200, null, out.raw);
      if ((out.status ?? 200) >= 400) {
        const e = out.result as { code: number; message: string };
        return fail(out.status ?? 400, e.code, e.message);
      }
      send(out.status ?? 200, {
        success: true,
        errors: [],
        messages: [],
        result: out.result ?? null,
        ...(out.result_info ? { result_info: out.result_info } : {}),
      });
    } catch (err) {
      fail(500, 10001, `fake-cloudflare: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private error(status: number, code: number, message: string): Res {
    return { status, result: { code, message } };
  }

  // ---------------------------------------------------------------- handlers

  private verify(r: Req, account: boolean): Res {
    const token = this.tokens.get((r.request.headers.get("authorization") ?? "").replace(/^Bearer\s+/i, ""));
    if (!token || token.accountOwned !== account) return this.error(401, 1000, "Invalid API Token");
    return { result: { id: randomUUID().replace(/-/g, ""), status: "active" } };
  }

  private listKv(r: Req): Res {
    const perPage = Math.min(Number(r.query.get("per_page") ?? 20), 100);
    const page = Math.max(Number(r.query.get("page") ?? 1), 1);
    const all = [...this.kv.values()].map((n) => ({ ...n, supports_url_encoding: true }));
    const slice = all.slice((page - 1) * perPage, page * perPage);
    return {
      result: slice,
      result_info: {
        page,
        per_page: perPage,
        count: slice.length,
        total_count: all.length,
        total_pages: Math.max(Math.ceil(all.length / perPage), 1),
      },
    };
  }

  private async createKv(r: Req): Promise<Res> {
    const { title } = (await r.request.json()) as { title?: string };
    if (!title) return this.error(400, 10019, "namespace title is required");
    if ([...this.kv.values()].some((n) => n.title === title)) {
      return this.error(400, 10014, "a namespace with this account ID and title already exists");
    }
    const ns = { id: randomBytes(16).toString("hex"), title };
    this.kv.set(ns.id, ns);
    this.workers.dirty = true;
    return { result: { ...ns, supports_url_encoding: true } };
  }

  private async kvKeysRoute(r: Req): Promise<Res> {
    if (!this.kv.has(r.params[1] ?? "")) return this.error(404, 10013, "list keys: 'namespace not found'");
    const names = await this.kvKeys(r.params[1] ?? "");
    return { result: names.map((name) => ({ name })), result_info: { count: names.length, cursor: "" } };
  }

  private async kvGetRoute(r: Req): Promise<Res> {
    if (!this.kv.has(r.params[1] ?? "")) return this.error(404, 10013, "get: 'namespace not found'");
    const v = await this.kvGet(r.params[1] ?? "", decodeURIComponent(r.params[2] ?? ""));
    if (v === null) return this.error(404, 10009, "get: 'key not found'");
    return { raw: v };
  }

  private async kvPutRoute(r: Req): Promise<Res> {
    if (!this.kv.has(r.params[1] ?? "")) return this.error(404, 10013, "put: 'namespace not found'");
    await this.kvPut(r.params[1] ?? "", decodeURIComponent(r.params[2] ?? ""), await r.request.text());
    return { result: null };
  }

  private listBuckets(r: Req): Res {
    const perPage = Math.min(Number(r.query.get("per_page") ?? 20), 1000);
    const start = Number(r.query.get("cursor") ? Buffer.from(r.query.get("cursor") ?? "", "base64url").toString() : 0);
    const all = [...this.buckets.values()].sort((a, b) => a.name.localeCompare(b.name));
    const slice = all.slice(start, start + perPage);
    const next = start + perPage < all.length ? Buffer.from(String(start + perPage)).toString("base64url") : undefined;
    return { result: { buckets: slice }, result_info: { per_page: perPage, ...(next ? { cursor: next } : {}) } };
  }

  private async createBucket(r: Req): Promise<Res> {
    const { name } = (await r.request.json()) as { name?: string };
    if (!name || !/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(name)) {
      return this.error(400, 10005, "The specified bucket name is not valid.");
    }
    if (this.buckets.has(name)) {
      return this.error(409, 10004, "The bucket you tried to create already exists, and you own it.");
    }
    const b = { name, creation_date: new Date().toISOString(), location: "WEUR" };
    this.buckets.set(name, b);
    return { result: b };
  }

  private getBucket(r: Req): Res {
    const b = this.buckets.get(r.params[1] ?? "");
    return b ? { result: b } : this.error(404, 10006, "The specified bucket does not exist.");
  }

  private getSubdomain(): Res {
    if (!this.subdomain) return this.error(404, 10007, "This account does not have a workers.dev subdomain.");
    return { result: { subdomain: this.subdomain } };
  }

  private script(r: Req): Script | undefined {
    return this.scripts.get(r.params[1] ?? "");
  }

  private noScript(): Res {
    return this.error(404, 10007, "This Worker does not exist on your account.");
  }

  private async upload(r: Req): Promise<Res> {
    const s = await this.parseUpload(r, false);
    if (!("mainModule" in s)) return s;
    this.scripts.set(s.name, s);
    this.workers.dirty = true;
    return {
      result: {
        id: s.name,
        etag: randomBytes(16).toString("hex"),
        deployment_id: `${s.name}-v${s.uploads}`,
        modified_on: new Date().toISOString(),
      },
    };
  }

  /** `POST …/versions` (what wrangler uses for an existing Worker): stored, live only once deployed. */
  private async uploadVersion(r: Req): Promise<Res> {
    if (!this.script(r)) return this.noScript();
    const s = await this.parseUpload(r, r.query.get("bindings_inherit") === "strict");
    if (!("mainModule" in s)) return s;
    const id = `${s.name}-v${s.uploads}`;
    this.pending.set(id, s);
    return {
      result: { ...this.versionOf(s), startup_time_ms: 1, metadata: { has_preview: false, source: "wrangler" } },
    };
  }

  /** `POST …/deployments`: the version at 100% becomes the live Worker. */
  private async deploy(r: Req): Promise<Res> {
    const body = (await r.request.json()) as { versions?: { version_id: string; percentage: number }[] };
    const full = body.versions?.find((v) => v.percentage === 100);
    const s = full ? this.pending.get(full.version_id) : undefined;
    if (!s) return this.error(400, 10220, "Only a single version at 100% is supported by this fake");
    this.pending.delete(full?.version_id ?? "");
    this.scripts.set(s.name, s);
    this.workers.dirty = true;
    return { result: { id: randomUUID(), strategy: "percentage", versions: body.versions, source: "wrangler" } };
  }

  private async parseUpload(r: Req, inheritSecrets: boolean): Promise<Script | Res> {
    const form = await r.request.formData();
    const metaPart = form.get("metadata");
    if (!metaPart) return this.error(400, 10021, "Uncaught (in promise) Error: metadata part missing");
    const meta = JSON.parse(typeof metaPart === "string" ? metaPart : await metaPart.text()) as {
      main_module: string;
      compatibility_date: string;
      compatibility_flags?: string[];
      bindings?: Script["bindings"];
      keep_bindings?: string[];
    };
    const modules: Script["modules"] = [];
    for (const [name, v] of form.entries()) {
      if (name === "metadata" || typeof v === "string") continue;
      modules.push({ name, type: v.type, bytes: new Uint8Array(await v.arrayBuffer()) });
    }
    if (!modules.some((m) => m.name === meta.main_module)) {
      return this.error(400, 10021, `No such module "${meta.main_module}".`);
    }
    const name = r.params[1] ?? "";
    const old = this.scripts.get(name);
    const keepSecrets = inheritSecrets || (meta.keep_bindings?.includes("secret_text") ?? false);
    const s: Script = {
      name,
      mainModule: meta.main_module,
      compatibilityDate: meta.compatibility_date,
      compatibilityFlags: meta.compatibility_flags ?? [],
      modules,
      bindings: meta.bindings ?? [],
      // Without keep_bindings an upload replaces every binding, secrets included: as on Cloudflare.
      secrets: keepSecrets && old ? old.secrets : new Map(),
      workersDev: old?.workersDev ?? false,
      crons: old?.crons ?? [],
      uploads: (old?.uploads ?? 0) + 1 + this.pending.size,
    };
    for (const b of s.bindings) {
      if (b.type === "kv_namespace" && !this.kv.has(String(b.namespace_id))) {
        return this.error(400, 10041, `KV namespace '${b.namespace_id}' is not valid. [code: 10041]`);
      }
      if (b.type === "r2_bucket" && !this.buckets.has(String(b.bucket_name))) {
        return this.error(400, 10085, `R2 bucket '${b.bucket_name}' cannot be found.`);
      }
    }
    return s;
  }

  private service(r: Req): Res {
    const s = this.script(r);
    if (!s) return this.error(404, 10090, "This Worker does not exist on your account.");
    return {
      result: {
        id: s.name,
        default_environment: {
          environment: "production",
          script: { id: s.name, tag: s.name, last_deployed_from: "wrangler" },
        },
      },
    };
  }

  private deployments(r: Req): Res {
    const s = this.script(r);
    if (!s) return this.noScript();
    const version = { version_id: `${s.name}-v${s.uploads}`, percentage: 100 };
    return {
      result: { deployments: [{ id: version.version_id, source: "api", strategy: "percentage", versions: [version] }] },
    };
  }

  private scriptSubdomainGet(r: Req): Res {
    const s = this.script(r);
    if (!s) return this.noScript();
    return { result: { enabled: s.workersDev, previews_enabled: false } };
  }

  private versionOf(s: Script) {
    return {
      id: `${s.name}-v${s.uploads}`,
      number: s.uploads,
      metadata: { source: "wrangler", created_on: new Date().toISOString(), modified_on: new Date().toISOString() },
      annotations: { "workers/triggered_by": "upload" },
      resources: { bindings: s.bindings, script: { etag: `${s.name}-v${s.uploads}` } },
    };
  }

  private versions(r: Req): Res {
    const s = this.script(r);
    if (!s) return this.noScript();
    return { result: { items: [this.versionOf(s)] } };
  }

  private version(r: Req): Res {
    const s = this.script(r);
    if (!s || r.params[2] !== `${s.name}-v${s.uploads}`) return this.error(404, 10225, "Version not found");
    return { result: this.versionOf(s) };
  }

  private async scriptSubdomain(r: Req): Promise<Res> {
    const s = this.script(r);
    if (!s) return this.noScript();
    s.workersDev = Boolean(((await r.request.json()) as { enabled?: boolean }).enabled);
    return { result: { enabled: s.workersDev, previews_enabled: false } };
  }

  private async schedules(r: Req): Promise<Res> {
    const s = this.script(r);
    if (!s) return this.noScript();
    s.crons = ((await r.request.json()) as { cron: string }[]).map((c) => c.cron);
    return { result: { schedules: s.crons.map((cron) => ({ cron })) } };
  }

  private listSecrets(r: Req): Res {
    const s = this.script(r);
    if (!s) return this.noScript();
    return { result: [...s.secrets.keys()].map((name) => ({ name, type: "secret_text" })) };
  }

  private async putSecret(r: Req): Promise<Res> {
    const s = this.script(r);
    if (!s) return this.noScript();
    const b = (await r.request.json()) as { name?: string; text?: string; type?: string };
    if (!b.name || typeof b.text !== "string" || b.type !== "secret_text") {
      return this.error(400, 10021, "secret name, text and type secret_text are required");
    }
    s.secrets.set(b.name, b.text);
    this.workers.dirty = true;
    return { result: { name: b.name, type: "secret_text" } };
  }

  private kvNamespace(id: string) {
    if (!this.kv.has(id)) throw new Error(`no KV namespace ${id}`);
    return this.workers.kv(id, this.scripts, [...this.kv.keys()]);
  }

  private serveWorker(name: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    return this.workers.serve(name, this.subdomain ?? "", this.scripts, [...this.kv.keys()], req, res);
  }
}
