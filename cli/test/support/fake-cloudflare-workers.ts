/**
 * The part of the Cloudflare API FAKE (see fake-cloudflare.ts) that runs the uploaded Workers: one
 * Miniflare (workerd) instance for every uploaded script, with its bindings and secrets, plus a storage
 * worker bound to every KV namespace by id, KV and R2 persisted in a folder so a redeploy keeps the data.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { dirname, join } from "node:path";
import { Log, LogLevel, Miniflare, type WorkerOptions } from "miniflare";

/** A Worker as uploaded to the fake account. */
export interface Script {
  name: string;
  mainModule: string;
  compatibilityDate: string;
  compatibilityFlags: string[];
  modules: { name: string; type: string; bytes: Uint8Array }[];
  bindings: { type: string; name: string; [k: string]: unknown }[];
  secrets: Map<string, string>;
  workersDev: boolean;
  crons: string[];
  uploads: number;
}

export class WorkersRuntime {
  /** Set when scripts, secrets or namespaces changed: the next use reloads workerd. */
  dirty = true;
  private mf?: Miniflare;

  constructor(private readonly dir: string) {}

  async dispose(): Promise<void> {
    await this.mf?.dispose();
  }

  /** A KV namespace by id, as the deployed Workers see it. */
  async kv(id: string, scripts: Map<string, Script>, kvIds: string[]) {
    return (await this.runtime(scripts, kvIds)).getKVNamespace(`KV_${id}`, "__storage");
  }

  /** Answers a request to `{name}.{subdomain}.workers.dev` with the deployed Worker. */
  async serve(
    name: string,
    subdomain: string,
    scripts: Map<string, Script>,
    kvIds: string[],
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    try {
      const s = scripts.get(name);
      if (!s?.workersDev) {
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("There is nothing here yet");
        return;
      }
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const worker = await (await this.runtime(scripts, kvIds)).getWorker(name);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
      const out = await worker.fetch(`https://${name}.${subdomain}.workers.dev${req.url}`, {
        method: req.method,
        headers,
        body: chunks.length ? Buffer.concat(chunks) : undefined,
      });
      res.writeHead(out.status, Object.fromEntries(out.headers.entries()));
      res.end(Buffer.from(await out.arrayBuffer()));
    } catch (err) {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`fake workers.dev: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async runtime(scripts: Map<string, Script>, kvIds: string[]): Promise<Miniflare> {
    if (this.mf && !this.dirty) return this.mf;
    const workers: WorkerOptions[] = [
      {
        name: "__storage",
        modules: true,
        script: "export default { fetch() { return new Response('storage') } }",
        kvNamespaces: Object.fromEntries(kvIds.map((id) => [`KV_${id}`, id])),
      },
    ];
    for (const s of scripts.values()) {
      const dir = join(this.dir, "scripts", s.name, String(s.uploads));
      for (const m of s.modules) {
        mkdirSync(dirname(join(dir, m.name)), { recursive: true });
        writeFileSync(join(dir, m.name), m.bytes);
      }
      const by = (t: string) => s.bindings.filter((b) => b.type === t);
      workers.push({
        name: s.name,
        modules: true,
        scriptPath: join(dir, s.mainModule),
        modulesRoot: dir,
        modulesRules: [
          { type: "ESModule", include: ["**/*.js", "**/*.mjs"] },
          { type: "CompiledWasm", include: ["**/*.wasm"] },
        ],
        compatibilityDate: s.compatibilityDate,
        compatibilityFlags: s.compatibilityFlags,
        kvNamespaces: Object.fromEntries(by("kv_namespace").map((b) => [b.name, String(b.namespace_id)])),
        r2Buckets: Object.fromEntries(by("r2_bucket").map((b) => [b.name, String(b.bucket_name)])),
        ratelimits: Object.fromEntries(
          by("ratelimit").map((b) => [b.name, { simple: b.simple as { limit: number; period?: 10 | 60 } }]),
        ),
        bindings: {
          ...Object.fromEntries(by("plain_text").map((b) => [b.name, String(b.text)])),
          ...Object.fromEntries(s.secrets),
        },
        serviceBindings: Object.fromEntries(
          by("service")
            .filter((b) => scripts.has(String(b.service)))
            .map((b) => [b.name, String(b.service)]),
        ),
      });
    }
    const opts = {
      workers,
      kvPersist: join(this.dir, "kv"),
      r2Persist: join(this.dir, "r2"),
      cf: false,
      log: new Log(LogLevel.WARN),
    };
    if (this.mf) await this.mf.setOptions(opts);
    else this.mf = new Miniflare(opts);
    await this.mf.ready;
    this.dirty = false;
    return this.mf;
  }
}
