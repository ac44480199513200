import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Log, LogLevel, Miniflare } from "miniflare";
import { afterEach, describe, expect, it } from "vitest";
import { loadOrCreateSecrets } from "../src/platform/secrets.js";
import { startServePlatform } from "../src/platform/serve/index.js";
import { AcrProcess, acrBin as bin, running, type StartLine } from "./support/acr-process";
import { serveWithProbe } from "./support/serve-probe";

// `acr serve` as an operator runs it: the built CLI in a child process, plain workerd, state on disk.
const env = { ...process.env, ARCRUN_URL: "", ARCRUN_API_KEY: "", NO_COLOR: "1", WRANGLER_SEND_METRICS: "false" };

let acr: AcrProcess | undefined;

function startServe(cwd: string): Promise<StartLine> {
  acr = AcrProcess.spawn(["--json", "serve", "--address", "127.0.0.1:0", "--state", join(cwd, "state")], cwd, env);
  return acr.waitForJson<StartLine>();
}

async function stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
  const running = acr;
  acr = undefined;
  return (await running?.stop(signal)) ?? null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterEach(async () => {
  await stop();
});

describe("acr serve", () => {
  it("serves on plain workerd, writes the client config, keeps data across a restart, stops cleanly", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "arcrun-serve-"));
    const first = await startServe(cwd);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const file = JSON.parse(readFileSync(join(cwd, ".arcrun", "dev.json"), "utf8"));
    expect(file).toMatchObject({ url: first.url, mode: "serve" });
    expect(file.apiKey).toBeUndefined();
    expect(JSON.parse(readFileSync(join(file.state, "identity.json"), "utf8"))).toEqual({
      apiKey: first.apiKey,
      ns: first.ns,
    });

    expect(await (await fetch(`${first.url}/health`)).json()).toMatchObject({ ok: true });
    const anonymous = await fetch(`${first.url}/v1/whoami`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: expect.stringMatching(/^[A-Z_]+$/) } });

    const created = await fetch(`${first.url}/v1/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${first.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ role: "user", label: "kept across restarts" }),
    });
    expect(created.status).toBe(201);
    const second = (await created.json()) as { api_key: string; tenant: { ns: string } };

    expect(await stop("SIGTERM")).toBe(0);
    expect(alive(first.pid)).toBe(false);
    expect(existsSync(join(cwd, "state", "kv-serve"))).toBe(true);

    const again = await startServe(cwd);
    // Printed in full once, at creation: a restart names it by prefix and file only.
    expect(again.apiKey).toBeUndefined();
    expect(acr?.out).not.toContain(first.apiKey);
    expect(JSON.parse(readFileSync(join(cwd, "state", "identity.json"), "utf8")).apiKey).toBe(first.apiKey);
    const who = await fetch(`${again.url}/v1/whoami`, { headers: { authorization: `Bearer ${second.api_key}` } });
    expect(who.status).toBe(200);
    expect(await who.json()).toMatchObject({ ns: second.tenant.ns, label: "kept across restarts" });

    expect(await stop("SIGINT")).toBe(0);
    expect(alive(again.pid)).toBe(false);
  }, 120_000);

  it.runIf(process.platform === "linux")(
    "a SIGKILLed acr serve takes its workerd with it: nothing keeps the port",
    async () => {
      const cwd = mkdtempSync(join(tmpdir(), "arcrun-serve-kill-"));
      const s = await startServe(cwd);
      expect(running(s.pid)).toBe(true);
      await stop("SIGKILL");
      const until = Date.now() + 5_000;
      while (running(s.pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(running(s.pid), "workerd still running after its acr was killed").toBe(false);
      // The port can be bound again (the kernel may take a moment over the dead process's last connections).
      const port = Number(new URL(s.url).port);
      const bind = () =>
        new Promise<string>((resolve) => {
          const srv = createServer().once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "error"));
          srv.listen(port, "127.0.0.1", () => srv.close(() => resolve("free")));
        });
      let bound = await bind();
      for (let i = 0; i < 50 && bound !== "free"; i++) {
        await new Promise((r) => setTimeout(r, 100));
        bound = await bind();
      }
      expect(bound, `port ${port} after workerd stopped`).toBe("free");
    },
    60_000,
  );

  it("rejects a malformed --address with a usage error naming the flag", () => {
    const cwd = mkdtempSync(join(tmpdir(), "arcrun-serve-"));
    const r = spawnSync(process.execPath, [bin, "serve", "--address", "localhost", "--state", join(cwd, "s")], {
      cwd,
      env,
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--address must be host:port");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

// Drives a KV binding through the operations the executor uses and reports what it saw; the same
// script runs against serve's KV service and against Miniflare's KV, and both reports must agree.
const KV_PROBE = `
export default {
  async fetch(request, env) {
    const kv = env.__NAMESPACE__;
    const out = {};
    await kv.put("user:a", "alpha");
    await kv.put("user:b", JSON.stringify({ n: 2 }), { metadata: { role: "admin" } });
    await kv.put("user:ünï cødé/ 1", "unicode");
    await kv.put("ns:x", "other prefix");
    await kv.put("ttl:1", "expires", { expirationTtl: 3600 });
    out.text = await kv.get("user:a");
    out.json = await kv.get("user:b", "json");
    out.withMeta = await kv.getWithMetadata("user:b", "json");
    out.unicode = await kv.get("user:ünï cødé/ 1");
    out.missing = await kv.get("user:none");
    out.bytes = [...new Uint8Array(await kv.get("user:a", "arrayBuffer"))];
    out.bulk = Object.fromEntries(await kv.get(["user:a", "user:none"]));
    await kv.put("user:a", "alpha2");
    out.overwritten = await kv.get("user:a");
    const p1 = await kv.list({ prefix: "user:", limit: 2 });
    const p2 = await kv.list({ prefix: "user:", limit: 2, cursor: p1.cursor });
    out.pages = [p1.keys, p1.list_complete, p2.keys, p2.list_complete];
    const ttl = await kv.list({ prefix: "ttl:" });
    out.ttlHasExpiration = typeof ttl.keys[0]?.expiration === "number";
    await kv.delete("user:b");
    out.afterDelete = await kv.get("user:b");
    out.all = (await kv.list()).keys.map((k) => k.name);
    try { await kv.put("bad", "x", { expirationTtl: 10 }); out.shortTtl = "accepted"; } catch (e) { out.shortTtl = "rejected"; }
    try { await kv.put("", "x"); out.emptyKey = "accepted"; } catch (e) { out.emptyKey = "rejected"; }
    return Response.json(out);
  },
};`;
// USERS_KV commits before it answers; ANALYTICS_KV (execution history) answers when a write is queued
// and commits it in the background: both must behave as Cloudflare KV does, restart included.
describe.each(["USERS_KV", "ANALYTICS_KV"])("acr serve KV (%s)", (namespace) => {
  const probe = KV_PROBE.replace("__NAMESPACE__", namespace);
  it("answers the KV binding exactly as Miniflare's KV does, and keeps writes across a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "arcrun-serve-kv-"));
    const serve = await serveWithProbe(dir, "probe.mjs", probe);
    let served: unknown;
    try {
      served = await (await fetch(serve.url, { method: "POST" })).json();
    } finally {
      await serve.dispose();
    }

    const mf = new Miniflare({
      modules: [{ type: "ESModule", path: "probe.mjs", contents: probe }],
      compatibilityDate: "2026-04-01",
      kvNamespaces: [namespace],
      log: new Log(LogLevel.NONE),
    });
    let reference: unknown;
    try {
      reference = await (await mf.dispatchFetch("http://localhost/", { method: "POST" })).json();
    } finally {
      await mf.dispose();
    }
    expect(reference).toMatchObject({ text: "alpha", emptyKey: "rejected" });
    expect(served).toEqual(reference);

    // The probe's writes are on disk: a second start sees them (overwrite and delete included).
    const check = await serveWithProbe(
      dir,
      "read.mjs",
      `export default { async fetch(r, env) { const kv = env.${namespace}; return Response.json({ a: await kv.get('user:a'), b: await kv.get('user:b'), n: (await kv.list()).keys.length }); } };`,
    );
    try {
      expect(await (await fetch(check.url)).json()).toEqual({ a: "alpha2", b: null, n: 4 });
    } finally {
      await check.dispose();
    }
  }, 60_000);
});

describe("acr serve cron", () => {
  it("fires the executor's scheduled() handler through the loopback cron socket", async () => {
    const dir = mkdtempSync(join(tmpdir(), "arcrun-serve-cron-"));
    const recorder = `export default {
      async scheduled(controller, env) { await env.USERS_KV.put("last-cron", controller.cron + "@" + controller.scheduledTime); },
      async fetch(request, env) { return new Response(await env.USERS_KV.get("last-cron")); },
    };`;
    const p = await serveWithProbe(dir, "recorder.mjs", recorder);
    try {
      expect(p.ports.cron).toBeGreaterThan(0);
      const fired = await fetch(`http://127.0.0.1:${p.ports.cron}/?cron=${encodeURIComponent("* * * * *")}&time=60000`);
      expect(fired.status).toBe(200);
      expect(await (await fetch(p.url)).text()).toBe("* * * * *@60000");
    } finally {
      await p.dispose();
    }
  });
});

describe("acr serve --kv miniflare", () => {
  it("runs the executor on Miniflare's KV storage workers in acr dev's folder layout", async () => {
    const dir = mkdtempSync(join(tmpdir(), "arcrun-serve-mfkv-"));
    const secrets = loadOrCreateSecrets(join(dir, "secrets.json"));
    const p = await startServePlatform({ stateDir: dir, secrets, address: "127.0.0.1:0", kv: "miniflare" });
    try {
      const created = await fetch(`${p.url}/v1/keys`, {
        method: "POST",
        headers: { authorization: `Bearer ${secrets.adminToken}`, "content-type": "application/json" },
        body: JSON.stringify({ role: "user", label: "on miniflare kv" }),
      });
      expect(created.status).toBe(201);
      const { api_key } = (await created.json()) as { api_key: string };
      const who = await fetch(`${p.url}/v1/whoami`, { headers: { authorization: `Bearer ${api_key}` } });
      expect(await who.json()).toMatchObject({ label: "on miniflare kv" });
      expect(existsSync(join(dir, "kv", "miniflare-KVNamespaceObject"))).toBe(true);
      expect(existsSync(join(dir, "kv-serve"))).toBe(false);
    } finally {
      await p.dispose();
    }
  });
});
