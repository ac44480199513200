import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Config } from "miniflare";
import { afterEach, describe, expect, it } from "vitest";
import { startLocalPlatform } from "../src/platform/local.js";
import { openStateSecrets } from "../src/platform/secrets-store.js";
import { startServePlatform } from "../src/platform/serve/index.js";
import { MIGRATED_MARKER, migrateDevKv } from "../src/platform/serve/kv-migration.js";
import { AcrProcess, freePort, type StartLine } from "./support/acr-process";

// `acr dev` ran on Miniflare (KV in `{state}/kv`) until it moved to serve's engine (`{state}/kv-serve`): a state
// folder from before must come up with every key, workflow and execution it held.

let acr: AcrProcess | undefined;
afterEach(async () => {
  await acr?.stop("SIGINT");
  acr = undefined;
});

const HELLO = `name: hello_old
flow:
  - input >> ON_SUCCESS >> out
config:
  out:
    component: set
    values:
      greeting: "Hello {{ input.name }}"
`;

/** A state folder written by the Miniflare engine `acr dev` used before, through the real API. */
async function oldDevState(cwd: string) {
  const stateDir = join(cwd, "state");
  process.env.ARCRUN_KEYS_DIR = join(cwd, ".arcrun-keys");
  const { secrets } = openStateSecrets(stateDir);
  const old = await startLocalPlatform({ stateDir, secrets, port: 0 });
  try {
    const created = await fetch(`${old.url}/v1/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${secrets.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ role: "admin", label: "from the Miniflare days" }),
    });
    const key = (await created.json()) as { api_key: string; tenant: { ns: string } };
    const auth = { authorization: `Bearer ${key.api_key}` };
    const put = await fetch(`${old.url}/v1/workflows/hello_old`, {
      method: "PUT",
      headers: { ...auth, "content-type": "application/yaml" },
      body: HELLO,
    });
    expect(put.status, await put.text()).toBeLessThan(300);
    const run = await fetch(`${old.url}/webhooks/named/${key.tenant.ns}/hello_old/trigger`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ name: "Ada" }),
    });
    const execution = (await run.json()) as { execution_id: string };
    // A raw entry with metadata and an expiration: both must survive the move.
    const kv = await old.mf.getKVNamespace("USERS_KV");
    await kv.put("probe:kept", "value", { metadata: { from: "miniflare" }, expirationTtl: 3600 });
    const { keys } = await kv.list({ prefix: "probe:" });
    // R2 (user-made components) was already in the same format on both engines: read in place, not copied.
    await (await old.mf.getR2Bucket("WASM_BUCKET")).put("components/probe.wasm", "bytes");
    return { stateDir, secrets, key, executionId: execution.execution_id, expiration: keys[0]?.expiration };
  } finally {
    await old.dispose();
  }
}

/** Reads one USERS_KV entry with serve's store, the executor replaced by a probe. */
async function readServeKv(stateDir: string, secrets: Parameters<typeof startServePlatform>[0]["secrets"]) {
  const probe = `export default { async fetch(r, env) {
    const { value, metadata } = await env.USERS_KV.getWithMetadata("probe:kept");
    const { keys } = await env.USERS_KV.list({ prefix: "probe:" });
    const object = await env.WASM_BUCKET.get("components/probe.wasm");
    return Response.json({ value, metadata, expiration: keys[0]?.expiration, r2: object && (await object.text()) });
  }, async scheduled() {} };`;
  const withProbe = (config: Config): Config => {
    for (const s of config.services ?? []) {
      if (s.name === "arcrun-cypher-executor" && "worker" in s && s.worker && "modules" in s.worker) {
        s.worker.modules = [{ name: "probe.mjs", esModule: probe }];
      }
    }
    return config;
  };
  const p = await startServePlatform({ stateDir, secrets, address: "127.0.0.1:0", transformConfig: withProbe });
  try {
    return await (await fetch(p.url)).json();
  } finally {
    await p.dispose();
  }
}

describe("acr dev on a state folder of the Miniflare engine", () => {
  it("copies every key once, keeps keys, workflows, executions, metadata and expirations, and never copies again", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "arcrun-dev-migrate-"));
    const before = await oldDevState(cwd);
    const port = await freePort();
    acr = AcrProcess.spawn(["--json", "dev", "--port", String(port), "--state", before.stateDir], cwd);
    const dev = await acr.waitForJson<StartLine>();
    expect(dev.migrated?.copied.USERS_KV).toBeGreaterThanOrEqual(2);
    expect(dev.migrated?.copied.WEBHOOKS).toBeGreaterThanOrEqual(1);
    expect(dev.migrated?.copied.ANALYTICS_KV).toBeGreaterThanOrEqual(1);

    const auth = { authorization: `Bearer ${before.key.api_key}` };
    const who = await fetch(`${dev.url}/v1/whoami`, { headers: auth });
    expect(await who.json()).toMatchObject({ ns: before.key.tenant.ns, label: "from the Miniflare days" });
    const old = await fetch(`${dev.url}/v1/executions/${before.executionId}`, { headers: auth });
    expect(old.status).toBe(200);
    expect(await old.json()).toMatchObject({ status: "succeeded", workflow: "hello_old" });
    const run = await fetch(`${dev.url}/webhooks/named/${before.key.tenant.ns}/hello_old/trigger`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ name: "Grace" }),
    });
    expect(await run.json()).toMatchObject({ status: "succeeded", output: { greeting: "Hello Grace" } });
    // Written after the move: a second start must not copy the old store over it.
    const third = await fetch(`${dev.url}/v1/keys`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ role: "user", label: "after the move" }),
    });
    const later = (await third.json()) as { api_key: string };
    await acr.stop("SIGINT");

    const marker = JSON.parse(readFileSync(join(before.stateDir, "kv-serve", MIGRATED_MARKER), "utf8"));
    expect(marker.copied).toEqual(dev.migrated?.copied);
    expect(await readServeKv(before.stateDir, before.secrets)).toEqual({
      value: "value",
      metadata: { from: "miniflare" },
      expiration: before.expiration,
      r2: "bytes",
    });

    acr = AcrProcess.spawn(["--json", "dev", "--port", String(port), "--state", before.stateDir], cwd);
    const again = await acr.waitForJson<StartLine>();
    expect(again.migrated).toBeUndefined();
    const who2 = await fetch(`${again.url}/v1/whoami`, { headers: { authorization: `Bearer ${later.api_key}` } });
    expect(await who2.json()).toMatchObject({ label: "after the move" });
  }, 180_000);

  it("redoes a copy cut short, and leaves a store written by acr serve alone", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "arcrun-dev-migrate-"));
    const { stateDir, secrets } = await oldDevState(cwd);
    const store = join(stateDir, "kv-serve");

    // serve's own store in the same folder (no marker): not ours to overwrite.
    mkdirSync(store, { recursive: true });
    expect(await migrateDevKv(stateDir, secrets)).toBeNull();
    expect(existsSync(join(store, MIGRATED_MARKER))).toBe(false);

    // A copy that started and never finished (the process was killed): done again, completely.
    writeFileSync(join(store, "migrating-from-kv"), "");
    const done = await migrateDevKv(stateDir, secrets);
    expect(done?.copied.USERS_KV).toBeGreaterThanOrEqual(2);
    expect(existsSync(join(store, "migrating-from-kv"))).toBe(false);
    expect((await readServeKv(stateDir, secrets)) as object).toMatchObject({ value: "value" });
    expect(await migrateDevKv(stateDir, secrets)).toBeNull();
  }, 180_000);
});
