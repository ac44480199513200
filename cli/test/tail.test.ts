import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../../cypher-executor/test/support/platform";
import { AcrProcess, runAcr } from "./support/acr-process";

// `acr tail` follows runs as they happen, steps included; `acr logs <id>` shows one run's steps.
let p: TestPlatform;
let tail: AcrProcess | undefined;
beforeAll(async () => {
  p = await startTestPlatform();
  const yaml = readFileSync(join(import.meta.dirname, "..", "..", "examples", "hello.yaml"), "utf8");
  await p.call("PUT", "/v1/workflows/hello", yaml, { "content-type": "application/yaml" });
});
afterAll(async () => {
  await tail?.stop("SIGINT");
  await p?.dispose();
});

describe("acr tail and acr logs", () => {
  it("tail shows a run's steps as it happens; logs shows its outputs", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "arcrun-tail-"));
    const env = { ARCRUN_URL: p.url, ARCRUN_API_KEY: p.apiKey };
    tail = AcrProcess.spawn(["tail", "--workflow", "hello", "--interval", "0.5"], cwd, env);
    await tail.waitFor((_) => (tail?.err.includes("following") ? true : undefined), 20_000);
    const res = await p.call("POST", "/v1/workflows/hello/runs", { name: "Tail" });
    const run = (await res.json()) as { execution_id: string };
    const out = await tail.waitFor((o) => (o.includes("output") && o.includes("greet") ? o : undefined), 30_000);
    expect(out).toContain("hello");
    expect(out).toMatch(/✓ greet\s+succeeded/);
    expect(out).toContain("Hello Tail");

    const logs = await runAcr(["logs", run.execution_id], { home: cwd, env });
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/✓ output\s+succeeded/);
    expect(logs.stdout).toContain("Hello Tail");
  }, 60_000);
});
