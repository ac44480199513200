import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, normalize } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyCredential } from "../../cypher-executor/test/support/credentials";
import { startTestPlatform, type TestPlatform } from "../../cypher-executor/test/support/platform";

// The built SDK in Debian's Chromium, served from two local origins; the platform allows only the first
// (ARCRUN_CORS_ORIGINS). Needs `apt-get install -y chromium`.
const CHROMIUM = "/usr/bin/chromium";
const dist = join(__dirname, "..", "dist");

let p: TestPlatform;
let browser: Browser;
let allowed: { origin: string; close(): Promise<void> };
let other: { origin: string; close(): Promise<void> };

/** A static server of js-sdk/dist plus an empty page, on 127.0.0.1. */
async function site(): Promise<{ origin: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/") {
      res.writeHead(200, { "content-type": "text/html" });
      return res.end("<!doctype html><title>sdk</title>");
    }
    const file = normalize(join(dist, path.replace(/^\/dist\//, "")));
    if (!file.startsWith(dist) || !existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": "text/javascript" });
    res.end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

beforeAll(async () => {
  [allowed, other] = await Promise.all([site(), site()]);
  p = await startTestPlatform({ corsOrigins: [allowed.origin] });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
});
afterAll(async () => {
  await browser?.close();
  await p?.dispose();
  await Promise.all([allowed?.close(), other?.close()]);
});

/** Runs the SDK in a page of `origin` against the platform: whoami, or the error's class and code. */
async function whoamiFrom(origin: string) {
  const page = await browser.newPage();
  try {
    await page.goto(`${origin}/`);
    // A string, not a function: vitest would rewrite a function's dynamic import().
    const script = `(async () => {
      const sdk = await import("/dist/index.js");
      const arc = new sdk.ArcrunClient({ url: ${JSON.stringify(p.url)}, apiKey: ${JSON.stringify(p.apiKey)}, maxRetries: 0 });
      try { return { ok: await arc.whoami() }; } catch (e) { return { error: { name: e.name, code: e.code } }; }
    })()`;
    return await page.evaluate(script);
  } finally {
    await page.close();
  }
}

const webYaml =
  'name: web\nflow: ["input >> ON_SUCCESS >> greet"]\nconfig: { greet: { component: set, values: { message: "Hi {{ input.name }}" } } }\n';

/** The whole flow in a page of the allowed origin: Web Crypto credential, deploy, run, pages, a typed 404. */
async function flowFrom(origin: string) {
  const page = await browser.newPage();
  try {
    await page.goto(`${origin}/`);
    const script = `(async () => {
      const sdk = await import("/dist/index.js");
      const arc = new sdk.ArcrunClient({ url: ${JSON.stringify(p.url)}, apiKey: ${JSON.stringify(p.apiKey)},
        encryptionKey: ${JSON.stringify(p.encryptionKey)}, maxRetries: 0 });
      await arc.credentials.set("from_browser", "s3cr3t-in-page");
      await arc.workflows.deploy("web", ${JSON.stringify(webYaml)});
      const run = await arc.runs.create("web", { name: "Chromium" });
      const ids = [];
      for await (const ex of arc.executions.iterate({ workflow: "web", limit: 1 })) ids.push(ex.id);
      const missing = await arc.workflows.get("nope").catch((e) => ({ name: e.name, code: e.code, status: e.status }));
      const gone = await arc.workflows.delete("web");
      return { status: run.status, output: run.output, listed: ids.includes(run.execution_id), missing, deleted: gone.deleted };
    })()`;
    return await page.evaluate(script);
  } finally {
    await page.close();
  }
}

describe("CORS", () => {
  it("the allowed origin runs the whole SDK: PUT/POST/DELETE preflights, Web Crypto, typed errors", async () => {
    expect(await flowFrom(allowed.origin)).toEqual({
      status: "succeeded",
      output: { message: "Hi Chromium" },
      listed: true,
      missing: { name: "NotFoundError", code: "WORKFLOW_NOT_FOUND", status: 404 },
      deleted: true,
    });
    expect(await verifyCredential(p, "from_browser", "s3cr3t-in-page")).toEqual({ status: 200, match: true });
  });

  it("an allowed origin calls the API from the browser with the SDK (preflight answered)", async () => {
    expect(await whoamiFrom(allowed.origin)).toMatchObject({ ok: { ns: p.ns } });
  });

  it("another origin is blocked by the browser (ConnectionError UNREACHABLE)", async () => {
    expect(await whoamiFrom(other.origin)).toEqual({ error: { name: "ConnectionError", code: "UNREACHABLE" } });
  });

  it("the preflight names the allowed origin and headers; other origins get no CORS headers", async () => {
    const preflight = (origin: string) =>
      fetch(`${p.url}/v1/whoami`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": "authorization" },
      });
    const ok = await preflight(allowed.origin);
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe(allowed.origin);
    expect(ok.headers.get("access-control-allow-headers")).toContain("authorization");
    expect(ok.headers.get("access-control-allow-credentials")).toBeNull();
    const no = await preflight(other.origin);
    expect(no.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("off by default: a platform without origins sends no CORS headers", async () => {
    const plain = await startTestPlatform();
    try {
      const res = await fetch(`${plain.url}/health`, { headers: { origin: allowed.origin } });
      expect(res.headers.get("access-control-allow-origin")).toBeNull();
    } finally {
      await plain.dispose();
    }
  });
});
