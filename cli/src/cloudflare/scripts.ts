import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { CloudflareApi } from "./api.js";

/** A Worker binding in the Workers Scripts upload metadata format. */
export type ScriptBinding =
  | { type: "kv_namespace"; name: string; namespace_id: string }
  | { type: "r2_bucket"; name: string; bucket_name: string }
  | { type: "service"; name: string; service: string }
  | { type: "plain_text"; name: string; text: string }
  | { type: "ratelimit"; name: string; namespace_id: string; simple: { limit: number; period: 10 | 60 } };

export interface ScriptUpload {
  /** A folder holding the bundled modules (the `--outdir` of `wrangler deploy --dry-run`). */
  dir: string;
  mainModule: string;
  compatibilityDate: string;
  compatibilityFlags?: string[];
  bindings: ScriptBinding[];
}

/**
 * Uploads a bundled Worker with `PUT /accounts/{id}/workers/scripts/{name}` (multipart: a `metadata`
 * part plus one part per module), the call `wrangler deploy` makes. Existing secrets are kept
 * (`keep_bindings`), exactly as wrangler does, so a redeploy never drops ENCRYPTION_KEY.
 *
 * @example
 * await uploadScript(cf, "arcrun-cypher-executor", { dir: "out", mainModule: "index.js", compatibilityDate, bindings });
 */
export async function uploadScript(cf: CloudflareApi, name: string, u: ScriptUpload): Promise<void> {
  const form = new FormData();
  const metadata = {
    main_module: u.mainModule,
    compatibility_date: u.compatibilityDate,
    compatibility_flags: u.compatibilityFlags ?? [],
    bindings: u.bindings,
    keep_bindings: ["secret_text", "secret_key"],
  };
  form.append("metadata", new Blob([JSON.stringify(metadata)], { type: "application/json" }), "metadata.json");
  for (const file of bundleModules(u.dir)) {
    const type = file.endsWith(".wasm") ? "application/wasm" : "application/javascript+module";
    form.append(file, new Blob([readFileSync(join(u.dir, file))], { type }), file);
  }
  await cf.call("PUT", cf.account(`/workers/scripts/${name}`), form);
}

/** Module files of a wrangler `--outdir` (source maps and the README wrangler writes are not modules). */
export function bundleModules(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else if (/\.(m?js|wasm)$/.test(e.name)) out.push(p);
    }
  };
  walk("");
  return out.sort();
}

/** Serves the Worker on `{name}.{subdomain}.workers.dev` (what `workers_dev = true` does in wrangler). */
export async function enableWorkersDev(cf: CloudflareApi, name: string): Promise<void> {
  await cf.call("POST", cf.account(`/workers/scripts/${name}/subdomain`), { enabled: true });
}

/** Sets the Worker's cron triggers. */
export async function putSchedules(cf: CloudflareApi, name: string, crons: string[]): Promise<void> {
  await cf.call(
    "PUT",
    cf.account(`/workers/scripts/${name}/schedules`),
    crons.map((cron) => ({ cron })),
  );
}
