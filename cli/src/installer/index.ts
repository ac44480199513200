import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ApiCallError, ApiClient } from "../api/client.js";
import { CloudflareApi, getWorkersSubdomain, listSecretNames, putSecret, verifyToken } from "../cloudflare/index.js";
import { readUserConfig, userConfigPath, writeUserConfig } from "../config/index.js";
import { componentBuilds, isPackaged, projectRoot } from "../platform/paths.js";
import { UserError } from "../ui/errors.js";
import { InstallContext } from "./context.js";
import type { Progress } from "./progress.js";
import { ensureKvNamespaces, ensureR2Bucket } from "./resources.js";
import { resolveSecrets } from "./secrets.js";
import { deployDir, loadState } from "./state.js";
import {
  type BuiltComponent,
  type DeployVia,
  deployWorker,
  listBuiltComponents,
  runProcess,
  writeWranglerConfigs,
} from "./workers.js";

export { createProgress, type Progress } from "./progress.js";
export { deployDir, loadState, statePath } from "./state.js";

export interface InstallOptions {
  /** `init` creates what is missing; `update` and `deploy` only redeploy over existing storage. */
  mode: "init" | "update" | "deploy";
  accountId: string;
  apiToken: string;
  /** `CLOUDFLARE_API_BASE_URL`; default `https://api.cloudflare.com/client/v4`. */
  apiBaseUrl?: string;
  /** Resource and Worker name prefix, default `arcrun`. */
  prefix: string;
  /** Print the plan (every change and deploy) without making it. */
  dryRun: boolean;
  deployVia: DeployVia;
  /** Skip `npm run build -w registry` (components already built). */
  skipBuild: boolean;
  /** The executor's public URL when not `https://{prefix}-cypher-executor.{subdomain}.workers.dev`. */
  executorUrl?: string;
  /** Deploy only these component workers (ids); default every built component. */
  components?: string[];
  /** `acr deploy`: only these Workers (names with or without the prefix). */
  only?: string[];
  /** Browser origins allowed to call the API (CORS); none = off. */
  corsOrigins?: string[];
  progress: Progress;
  root?: string;
}

export interface InstallResult {
  url: string;
  apiKey?: string;
  ns?: string;
  namespaces: Record<string, string>;
  bucket: string;
  subdomain: string;
  workers: string[];
  encryptionKeyCreated: boolean;
  stateFile: string;
  configFile: string;
  /** Every change made (or, under --dry-run, planned), in order. */
  actions: string[];
  notes: string[];
}

/**
 * Installs arcrun into a Cloudflare account, or redeploys it: token check, the seven KV namespaces
 * and the R2 bucket (reused by name), secrets, component workers, the executor, recipe seeding and the
 * first API key. Each finished step is recorded, so a re-run resumes and converges.
 *
 * @example
 * const r = await runInstall({ mode: "init", accountId, apiToken, prefix: "arcrun", dryRun: false,
 *   deployVia: "wrangler", skipBuild: false, progress: createProgress({}) });
 */
export async function runInstall(o: InstallOptions): Promise<InstallResult> {
  const root = o.root ?? projectRoot();
  const notes: string[] = [];
  const p = o.progress;
  const ctx = new InstallContext(o.mode, o.prefix, loadState(o.accountId, o.prefix), o.dryRun, p);
  const cf = new CloudflareApi({
    accountId: o.accountId,
    apiToken: o.apiToken,
    baseUrl: o.apiBaseUrl,
    observe: o.dryRun ? (c) => c.method === "GET" && p.plan(`${c.method} ${c.path}   (read)`) : undefined,
  });
  const execName = `${o.prefix}-cypher-executor`;

  let s = p.start("checking the Cloudflare API token and its permissions");
  await step(s, () => verifyToken(cf));
  s.done("API token valid, with every permission needed");

  s = p.start(
    o.mode === "init" ? "creating KV namespaces and the R2 bucket" : "checking KV namespaces and the R2 bucket",
  );
  const namespaces = await step(s, () => ensureKvNamespaces(ctx, cf));
  const bucket = await step(s, () => ensureR2Bucket(ctx, cf));
  const created = ctx.actions.length;
  s.done(
    `7 KV namespaces and R2 bucket ${bucket} ready (${created} ${o.dryRun ? "to create" : "created"}, ${8 - created} reused)`,
  );

  s = p.start("reading the account's workers.dev subdomain");
  const subdomain = await step(s, () => getWorkersSubdomain(cf));
  if (!subdomain) {
    s.fail("no workers.dev subdomain");
    throw new UserError(
      `Cloudflare account ${o.accountId} has no workers.dev subdomain yet`,
      "Open Workers & Pages in the Cloudflare dashboard once (it asks you to pick a subdomain), then run again",
    );
  }
  ctx.state.subdomain = subdomain;
  ctx.save();
  s.done(`workers.dev subdomain: ${subdomain}`);

  const workerSecrets = await listSecretNames(cf, execName);
  const secrets = resolveSecrets(ctx, o.accountId, workerSecrets);
  if (secrets?.encryptionKeyCreated) {
    p.warn(
      `Generated ENCRYPTION_KEY and saved it in ${userConfigPath()} (mode 0600). BACK IT UP: without it your stored credentials cannot be decrypted.`,
    );
  }

  // The npm package carries prebuilt components: there is nothing to compile.
  if (!o.skipBuild && o.mode !== "deploy" && !isPackaged(root)) {
    s = p.start("building components (npm run build -w registry)");
    if (o.dryRun) p.plan(`npm run build -w registry   (in ${root})`);
    else await step(s, () => runNpmBuild(root));
    s.done("components built");
  }

  const outDir = deployDir(o.prefix);
  const deploys = writeWranglerConfigs({
    root,
    prefix: o.prefix,
    outDir,
    kv: Object.fromEntries(Object.entries(namespaces).map(([b, id]) => [b, id])),
    bucket,
    subdomain,
    components: pickComponents(listBuiltComponents(componentBuilds(root)), o.components),
    corsOrigins: o.corsOrigins,
  }).filter((w) => !o.only?.length || o.only.some((n) => w.config.name === n || w.config.name === `${o.prefix}-${n}`));
  if (o.only?.length && deploys.length === 0) {
    throw new UserError(
      `No Worker named ${o.only.join(", ")} in this installation`,
      "Run `acr parts` to list components",
    );
  }
  const env = {
    accountId: o.accountId,
    apiToken: o.apiToken,
    apiBaseUrl: o.apiBaseUrl,
    wranglerBin: wranglerBin(root),
  };
  const components = deploys.filter((w) => w.kind === "component");
  s = p.start(`deploying component workers 0/${components.length}`);
  let n = 0;
  let skipped = 0;
  for (const w of deploys) {
    const label =
      w.kind !== "component"
        ? `deploying ${w.config.name}`
        : `deploying component workers ${++n}/${components.length}: ${w.config.name}`;
    s.update(label);
    const key = `deploy:${w.config.name}`;
    if (ctx.done(key)) {
      skipped++;
      continue;
    }
    const how =
      o.deployVia === "wrangler"
        ? `wrangler deploy -c ${w.configFile}`
        : `wrangler deploy -c ${w.configFile} --dry-run --outdir bundle && PUT ${cf.account(`/workers/scripts/${w.config.name}`)}`;
    await step(s, () => ctx.mutate(how, () => deployWorker(w, o.deployVia, env, cf)));
    ctx.finish(key);
  }
  const workerCount = `${components.length} component worker${components.length === 1 ? "" : "s"} and ${execName}`;
  s.done(
    skipped === deploys.length
      ? `${workerCount} already deployed by an earlier run (use \`acr update\` to deploy new code)`
      : `${o.dryRun ? "would deploy" : "deployed"} ${workerCount}${skipped ? ` (${skipped} already deployed)` : ""}`,
  );

  const url = (o.executorUrl ?? ctx.state.url ?? `https://${execName}.${subdomain}.workers.dev`).replace(/\/+$/, "");
  const result: InstallResult = {
    url,
    namespaces,
    bucket,
    subdomain,
    workers: deploys.map((w) => w.config.name),
    encryptionKeyCreated: Boolean(secrets?.encryptionKeyCreated),
    stateFile: ctx.stateFile,
    configFile: userConfigPath(),
    actions: ctx.actions,
    notes,
  };

  s = p.start("setting Worker secrets ENCRYPTION_KEY and ADMIN_TOKEN");
  const present = o.dryRun ? (workerSecrets ?? []) : ((await listSecretNames(cf, execName)) ?? []);
  const secretPath = `PUT ${cf.account(`/workers/scripts/${execName}/secrets`)}`;
  if (!present.includes("ENCRYPTION_KEY")) {
    await ctx.mutate(`${secretPath} {"name":"ENCRYPTION_KEY","type":"secret_text"}`, () =>
      putSecret(cf, execName, "ENCRYPTION_KEY", secrets?.encryptionKey ?? ""),
    );
  }
  if (!present.includes("ADMIN_TOKEN") || secrets?.adminTokenCreated) {
    await ctx.mutate(`${secretPath} {"name":"ADMIN_TOKEN","type":"secret_text"}`, () =>
      putSecret(cf, execName, "ADMIN_TOKEN", secrets?.adminToken ?? ""),
    );
  }
  s.done(o.dryRun ? "Worker secrets planned (values never printed)" : "Worker secrets set (values never printed)");
  if (o.mode === "deploy") return finish(ctx, result);

  if (o.dryRun) {
    p.plan(
      `POST ${url}/v1/init/seed   (Authorization: Bearer ADMIN_TOKEN; skipped with a note when the route is absent)`,
    );
    p.plan(`POST ${url}/v1/keys {"role":"admin","label":"acr init"}   (Authorization: Bearer ADMIN_TOKEN)`);
    p.plan(`write ${userConfigPath()} (url, api_key, ns, encryption_key, admin_token; mode 0600)`);
    return result;
  }
  ctx.state.url = url;
  ctx.save();
  const admin = new ApiClient({ url, apiKey: secrets?.adminToken ?? "" });
  s = p.start(`waiting for ${url} to answer`);
  if (!(await waitHealthy(url))) {
    s.fail(`${url} is deployed but not reachable yet`);
    notes.push(
      `${url} did not answer yet (new workers.dev names can take a minute); run the same command again to seed recipes and create the API key`,
    );
    return finish(ctx, result);
  }
  s.done(`${url} is up`);

  if (!ctx.done("seed")) {
    s = p.start("seeding the recipes");
    try {
      const seeded = await admin.request<Record<string, { created?: number; updated?: number; unchanged?: number }>>(
        "POST",
        "/v1/init/seed",
        {},
      );
      const tally = { created: 0, updated: 0, unchanged: 0 };
      for (const part of Object.values(seeded ?? {})) {
        for (const k of ["created", "updated", "unchanged"] as const) tally[k] += Number(part?.[k] ?? 0);
      }
      s.done(`recipes seeded (${tally.created} created, ${tally.updated} updated, ${tally.unchanged} unchanged)`);
      ctx.finish("seed");
    } catch (err) {
      if (!(err instanceof ApiCallError && err.status === 404)) throw err;
      s.done("recipes not seeded: this executor has no POST /v1/init/seed yet");
      notes.push("recipe seeding skipped: the executor has no POST /v1/init/seed route");
    }
  }

  s = p.start("creating the first API key");
  const cfg = readUserConfig();
  if (cfg.api_key && cfg.url === url && (await keyWorks(url, cfg.api_key))) {
    result.apiKey = cfg.api_key;
    result.ns = cfg.ns;
    s.done("API key from the config still valid: reused");
  } else {
    const made = await admin.request<{ api_key: string; tenant: { ns: string } }>("POST", "/v1/keys", {
      role: "admin",
      label: "acr init",
    });
    result.apiKey = made.api_key;
    result.ns = made.tenant.ns;
    writeUserConfig({ url, api_key: made.api_key, ns: made.tenant.ns });
    s.done(`API key created for namespace ${made.tenant.ns}`);
  }
  ctx.finish("api-key");
  return finish(ctx, result);
}

function pickComponents(all: BuiltComponent[], wanted?: string[]): BuiltComponent[] {
  if (!wanted?.length) return all;
  const unknown = wanted.filter((w) => !all.some((c) => c.id === w));
  if (unknown.length) {
    throw new UserError(
      `No built component named ${unknown.join(", ")}`,
      `Built: ${all.map((c) => c.id).join(", ") || "none"} (run npm run build -w registry)`,
      2,
    );
  }
  return all.filter((c) => wanted.includes(c.id));
}

function finish(ctx: InstallContext, result: InstallResult): InstallResult {
  ctx.finish(ctx.mode === "init" ? "init" : ctx.mode);
  return result;
}

/** Marks the spinner failed before the error travels up to the one-line report. */
async function step<T>(s: { fail(m?: string): void }, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    s.fail();
    throw err;
  }
}

async function keyWorks(url: string, apiKey: string): Promise<boolean> {
  try {
    await new ApiClient({ url, apiKey }).request("GET", "/v1/whoami");
    return true;
  } catch {
    return false;
  }
}

/** Polls `GET /health`: a fresh workers.dev name takes a moment to resolve. */
async function waitHealthy(url: string): Promise<boolean> {
  const deadline = Date.now() + Number(process.env.ARCRUN_HEALTH_WAIT_MS ?? 90_000);
  for (;;) {
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return true;
    } catch {
      // Not reachable yet.
    }
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 2000));
  }
}

function wranglerBin(root: string): string {
  const local = join(root, "node_modules", "wrangler", "bin", "wrangler.js");
  if (existsSync(local)) return local;
  return join(dirname(createRequire(import.meta.url).resolve("wrangler/package.json")), "bin", "wrangler.js");
}

function runNpmBuild(root: string): Promise<string> {
  return runProcess(process.platform === "win32" ? "npm.cmd" : "npm", ["run", "build", "-w", "registry"], root);
}
