import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../../cypher-executor/test/support/platform";
import { AcrProcess, freePort, runAcr } from "./support/acr-process";

// `acr tail` follows runs as they happen, steps included: streamed (SSE) on a local platform, polled where
// the platform does not stream (Cloudflare, here a platform with ARCRUN_ENV=production). `acr logs <id>`
// shows one run's steps.
let p: TestPlatform;
let cloudLike: TestPlatform;
const tails: AcrProcess[] = [];
const hello = readFileSync(join(import.meta.dirname, "..", "..", "examples", "hello.yaml"), "utf8");
beforeAll(async () => {
  [p, cloudLike] = await Promise.all([
    startTestPlatform(),
    startTestPlatform({ bindings: { ARCRUN_ENV: "production" } }),
  ]);
  for (const platform of [p, cloudLike]) {
    await platform.call("PUT", "/v1/workflows/hello", hello, { "content-type": "application/yaml" });
  }
});
afterAll(async () => {
  for (const t of tails) await t.stop("SIGINT");
  await Promise.all([p?.dispose(), cloudLike?.dispose()]);
});

function startTail(platform: TestPlatform, args: string[], apiKey = platform.apiKey): AcrProcess {
  const cwd = mkdtempSync(join(tmpdir(), "arcrun-tail-"));
  const t = AcrProcess.spawn(["tail", ...args], cwd, { ARCRUN_URL: platform.url, ARCRUN_API_KEY: apiKey });
  tails.push(t);
  return t;
}
const following = (t: AcrProcess) => t.waitFor(() => (t.err.includes("following") ? t.err : undefined), 20_000);
const run = async (platform: TestPlatform, name: string, apiKey = platform.apiKey) => {
  const res = await fetch(`${platform.url}/v1/workflows/hello/runs`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { execution_id: string }).execution_id;
};
/** One sample of `/metrics` (the executor's own KV counters), by its label text. */
async function kvOps(platform: TestPlatform, ns: string, op: string): Promise<number> {
  const text = await (
    await fetch(`${platform.url}/metrics`, { headers: { authorization: `Bearer ${platform.adminToken}` } })
  ).text();
  const line = text.split("\n").find((l) => l.includes(`namespace="${ns}",op="${op}"`));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

describe("acr tail and acr logs", () => {
  it("a stream that the reader drops is closed on the platform (arcrun_tail_streams goes back down)", async () => {
    const streams = async () => {
      const text = await (
        await fetch(`${p.url}/metrics`, { headers: { authorization: `Bearer ${p.adminToken}` } })
      ).text();
      return Number(/^arcrun_tail_streams\{[^}]*\} (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
    };
    // First in this file: no other stream is open, or closing, on this platform yet.
    const before = await streams();
    expect(before).toBe(0);
    const abort = new AbortController();
    const res = await fetch(`${p.url}/v1/tail`, {
      headers: { authorization: `Bearer ${p.apiKey}`, accept: "text/event-stream" },
      signal: abort.signal,
    });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body?.getReader();
    const first = new TextDecoder().decode((await reader?.read())?.value);
    expect(first).toContain("retry:");
    expect(await streams()).toBe(before + 1);
    abort.abort();
    let now = before + 1;
    for (let i = 0; i < 150 && now !== before; i++) {
      await new Promise((r) => setTimeout(r, 100));
      now = await streams();
    }
    expect(now).toBe(before);
  }, 30_000);

  it("tail streams a run's steps as it happens; logs shows its outputs", async () => {
    const tail = startTail(p, ["--workflow", "hello", "--interval", "0.5"]);
    expect(await following(tail)).toContain("live stream");
    const id = await run(p, "Tail");
    const out = await tail.waitFor((o) => (o.includes("output") && o.includes("greet") ? o : undefined), 30_000);
    expect(out).toContain(`hello ${id}`);
    expect(out).toMatch(/✓ greet\s+succeeded/);
    expect(out).toContain("Hello Tail");

    const home = mkdtempSync(join(tmpdir(), "arcrun-tail-"));
    const logs = await runAcr(["logs", id], { home, env: { ARCRUN_URL: p.url, ARCRUN_API_KEY: p.apiKey } });
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/✓ output\s+succeeded/);
    expect(logs.stdout).toContain("Hello Tail");
    expect(await tail.stop("SIGINT")).toBe(0);
  }, 60_000);

  it("a stream costs no KV list per run, arrives at once, and never carries another tenant's runs", async () => {
    const other = await p.newKey("admin");
    await fetch(`${p.url}/v1/workflows/hello`, {
      method: "PUT",
      headers: { authorization: `Bearer ${other.apiKey}`, "content-type": "application/yaml" },
      body: hello.replace("Hello", "Other"),
    });
    const tail = startTail(p, ["--json"]);
    // Ready means subscribed, after the opening poll: the one KV list a stream makes.
    expect(await following(tail)).toContain("live stream");
    const opened = await kvOps(p, "ANALYTICS_KV", "list");

    const foreign = await run(p, "Mallory", other.apiKey);
    const ids: string[] = [];
    for (const name of ["A", "B", "C"]) {
      const t0 = Date.now();
      const id = await run(p, name);
      ids.push(id);
      await tail.waitFor((o) => (o.includes(id) ? true : undefined), 5_000);
      // Checked every 100 ms on the platform: well under a poll interval.
      expect(Date.now() - t0).toBeLessThan(2_000);
    }
    const lines = tail.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string; output: unknown });
    expect(lines.map((l) => l.id)).toEqual(ids);
    expect(tail.out).not.toContain(foreign);
    expect(tail.out).not.toContain("Mallory");
    expect(await kvOps(p, "ANALYTICS_KV", "list")).toBe(opened);
  }, 60_000);

  it("where the platform does not stream (Cloudflare), tail polls /v1/tail and shows the run", async () => {
    const res = await cloudLike.call("GET", "/v1/tail", undefined, { accept: "text/event-stream" });
    expect(res.headers.get("content-type")).toContain("application/json");
    const tail = startTail(cloudLike, ["--interval", "0.5"]);
    expect(await following(tail)).toContain("polling every 0.5 s");
    await new Promise((r) => setTimeout(r, 600));
    const lists = await kvOps(cloudLike, "ANALYTICS_KV", "list");
    const id = await run(cloudLike, "Poll");
    const out = await tail.waitFor((o) => (o.includes(id) && o.includes("Hello Poll") ? o : undefined), 15_000);
    expect(out).toMatch(/✓ greet\s+succeeded/);
    // One KV list per poll.
    expect(await kvOps(cloudLike, "ANALYTICS_KV", "list")).toBeGreaterThan(lists);
  }, 60_000);

  it("a stream survives an acr dev restart: tail reconnects and shows the next run", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "arcrun-tail-dev-"));
    const env = { HOME: join(cwd, "home"), ARCRUN_HOME: join(cwd, "home", "cfg") };
    const port = String(await freePort());
    let dev = AcrProcess.spawn(["--json", "dev", "--port", port], cwd, env);
    tails.push(dev);
    const started = await dev.waitForJson<{ url: string; apiKey: string }>(90_000);
    const tail = AcrProcess.spawn(["tail", "--workflow", "hello", "--interval", "0.5"], cwd, env);
    tails.push(tail);
    expect(await following(tail)).toContain("live stream");

    await dev.stop("SIGINT");
    await tail.waitFor(() => (tail.err.includes("went away") ? true : undefined), 10_000);
    dev = AcrProcess.spawn(["--json", "dev", "--port", port], cwd, env);
    tails.push(dev);
    await dev.waitForJson(90_000);
    await tail.waitFor(() => (tail.err.includes("reconnected") ? true : undefined), 20_000);
    const res = await fetch(`${started.url}/v1/workflows/hello/runs`, {
      method: "POST",
      headers: { authorization: `Bearer ${started.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "Again" }),
    });
    expect(res.status).toBe(200);
    await tail.waitFor((o) => (o.includes("Hello Again") ? true : undefined), 10_000);
  }, 180_000);
});
