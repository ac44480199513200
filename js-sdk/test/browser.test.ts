import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, normalize } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

describe("CORS", () => {
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
