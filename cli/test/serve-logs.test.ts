import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AcrProcess } from "./support/acr-process";

// The executor's logs as an operator reads them from `acr serve --verbose`: one JSON object per line with
// ts, level, event, the caller's request id and a tenant tag (a prefix of the key's hash), never the key.
let acr: AcrProcess | undefined;
afterAll(async () => {
  await acr?.stop("SIGTERM");
});

describe("acr serve for operators: logs and metrics", () => {
  it("an MCP tool call is logged as JSON with request_id and tenant tag, and no key", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "arcrun-logs-"));
    acr = AcrProcess.spawn(
      ["--json", "serve", "--verbose", "--address", "127.0.0.1:0", "--state", join(cwd, "state")],
      cwd,
      { ARCRUN_HOME: join(cwd, "cfg"), METRICS_TOKEN: "scrape-me-0123456789" },
    );
    const s = await acr.waitForJson<{ url: string; apiKey: string }>();
    const res = await fetch(`${s.url}/mcp`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${s.apiKey}`,
        "x-request-id": "req-logs-1",
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "list_workflows", arguments: {} },
      }),
    });
    expect(res.status).toBe(200);
    const all = () => `${acr?.out ?? ""}\n${acr?.err ?? ""}`;
    const line = await acr.waitFor(
      () =>
        all()
          .split("\n")
          .find((l) => l.includes('"mcp.tool_call"')),
      10_000,
    );
    const entry = JSON.parse(line.slice(line.indexOf("{"))) as Record<string, unknown>;
    const tag = createHash("sha256").update(s.apiKey).digest("hex").slice(0, 12);
    expect(entry).toMatchObject({
      level: "info",
      event: "mcp.tool_call",
      request_id: "req-logs-1",
      tenant: tag,
      tool: "list_workflows",
      status: 200,
    });
    expect(Number.isNaN(Date.parse(String(entry.ts)))).toBe(false);
    // Only the start-up answer (--json, stdout's first line) carries the key: no log line does.
    const logs = all()
      .split("\n")
      .filter((l) => !l.startsWith('{"url"'));
    expect(logs.join("\n")).not.toContain(s.apiKey);
    expect(logs.length).toBeGreaterThan(1);
  }, 60_000);

  it("METRICS_TOKEN in acr serve's environment lets a scraper read /metrics, and nothing else", async () => {
    const url = JSON.parse(acr?.out.split("\n")[0] ?? "{}").url as string;
    const get = (path: string, token: string) =>
      fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    expect(await get("/metrics", "scrape-me-0123456789")).toBe(200);
    expect(await get("/metrics", "scrape-me-wrong")).toBe(401);
    expect(await get("/v1/workflows", "scrape-me-0123456789")).toBe(401);
  });
});
