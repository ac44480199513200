import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

// `acr serve` as an operator runs it: the built CLI in a child process, plain workerd, state on disk.
const bin = join(import.meta.dirname, "..", "dist", "bin.js");
const env = { ...process.env, ARCRUN_URL: "", ARCRUN_API_KEY: "", NO_COLOR: "1", WRANGLER_SEND_METRICS: "false" };

interface Started {
  url: string;
  apiKey: string;
  ns: string;
  pid: number;
}

let child: ChildProcess | undefined;

async function startServe(cwd: string): Promise<Started> {
  child = spawn(process.execPath, [bin, "--json", "serve", "--address", "127.0.0.1:0", "--state", join(cwd, "state")], {
    cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    err += d;
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const line = out.split("\n").find((l) => l.startsWith("{"));
    if (line) return JSON.parse(line) as Started;
    if (child.exitCode !== null) throw new Error(`acr serve exited ${child.exitCode}: ${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`acr serve did not start: ${err}`);
}

async function stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
  const c = child;
  child = undefined;
  if (!c || c.exitCode !== null) return c?.exitCode ?? null;
  return new Promise((resolve) => {
    c.on("exit", (code) => resolve(code));
    c.kill(signal);
  });
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
    expect(file).toMatchObject({ url: first.url, apiKey: first.apiKey, ns: first.ns, mode: "serve" });

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
    expect(existsSync(join(cwd, "state", "kv"))).toBe(true);

    const again = await startServe(cwd);
    expect(again.apiKey).toBe(first.apiKey);
    const who = await fetch(`${again.url}/v1/whoami`, { headers: { authorization: `Bearer ${second.api_key}` } });
    expect(who.status).toBe(200);
    expect(await who.json()).toMatchObject({ ns: second.tenant.ns, label: "kept across restarts" });

    expect(await stop("SIGINT")).toBe(0);
    expect(alive(again.pid)).toBe(false);
  }, 120_000);

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
