import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "./support/platform";

// Console sessions on the real executor: API key → HttpOnly cookie, CSRF-safe writes, sign-out revokes.
let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(() => p?.dispose());

async function signIn(apiKey = p.apiKey): Promise<string> {
  const res = await fetch(`${p.url}/v1/sessions`, { method: "POST", headers: { authorization: `Bearer ${apiKey}` } });
  expect(res.status).toBe(201);
  const cookie = res.headers.get("set-cookie") ?? "";
  expect(cookie).toMatch(/^arcrun_session=[0-9a-f]{64}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=28800$/);
  return cookie.split(";")[0]!;
}

const withCookie = (cookie: string, method = "GET", path = "/v1/whoami", headers: Record<string, string> = {}) =>
  fetch(`${p.url}${path}`, { method, headers: { cookie, ...headers } });

describe("console sessions", () => {
  it("exchanges a key for a cookie; SESSIONS_KV holds only the token's hash and the key's hash", async () => {
    const cookie = await signIn();
    const token = cookie.split("=")[1]!;
    const kv = await p.platform.mf.getKVNamespace("SESSIONS_KV");
    const keys = (await kv.list({ prefix: "session:" })).keys.map((k) => k.name);
    expect(keys).toContain(`session:${createHash("sha256").update(token).digest("hex")}`);
    expect(keys.join()).not.toContain(token);
    const stored = await kv.get(`session:${createHash("sha256").update(token).digest("hex")}`);
    expect(stored).not.toContain(p.apiKey);
    expect(JSON.parse(stored ?? "{}").key_hash).toBe(createHash("sha256").update(p.apiKey).digest("hex"));
    const who = await withCookie(cookie);
    expect(who.status).toBe(200);
    expect(((await who.json()) as { ns: string }).ns).toBe(p.ns);
  });

  it("refuses a bad key, a made-up cookie, and a session signing in another session", async () => {
    const bad = await fetch(`${p.url}/v1/sessions`, { method: "POST", headers: { authorization: "Bearer acr_nope" } });
    expect(bad.status).toBe(401);
    const fake = await withCookie(`arcrun_session=${"ab".repeat(32)}`);
    expect(fake.status).toBe(401);
    expect(((await fake.json()) as { error: { code: string } }).error.code).toBe("SESSION_EXPIRED");
    const cookie = await signIn();
    const again = await withCookie(cookie, "POST", "/v1/sessions", { "x-arcrun-console": "1" });
    expect(again.status).toBe(400);
  });

  it("a write with the cookie needs the console header and the same origin (CSRF)", async () => {
    const cookie = await signIn();
    const yaml =
      "name: s1\nflow:\n  - input >> ON_SUCCESS >> a\nconfig:\n  a:\n    component: set\n    values: { x: 1 }\n";
    const put = (headers: Record<string, string>) =>
      fetch(`${p.url}/v1/workflows/s1`, {
        method: "PUT",
        headers: { cookie, "content-type": "application/yaml", ...headers },
        body: yaml,
      });
    const noHeader = await put({});
    expect(noHeader.status).toBe(403);
    expect(((await noHeader.json()) as { error: { code: string } }).error.code).toBe("CSRF_REJECTED");
    expect((await put({ "x-arcrun-console": "1", origin: "https://evil.example" })).status).toBe(403);
    expect((await p.call("GET", "/v1/workflows/s1")).status).toBe(404);
    expect((await put({ "x-arcrun-console": "1", origin: p.url })).status).toBe(201);
  });

  it("sign-out revokes the session: the same cookie is refused afterwards", async () => {
    const cookie = await signIn();
    const out = await withCookie(cookie, "DELETE", "/v1/sessions/current", { "x-arcrun-console": "1" });
    expect(out.status).toBe(200);
    expect(out.headers.get("set-cookie")).toContain("Max-Age=0");
    expect((await withCookie(cookie)).status).toBe(401);
  });

  it("serves the console shell at /console and its deep links, and / redirects there", async () => {
    const root = await fetch(`${p.url}/`, { redirect: "manual" });
    expect(root.status).toBe(302);
    expect(root.headers.get("location")).toBe("/console/");
    const deep = await fetch(`${p.url}/console/workflows/hello`);
    expect(deep.status).toBe(200);
    expect(deep.headers.get("content-type")).toContain("text/html");
    expect(deep.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(await deep.text()).toContain('<div id="root">');
    expect((await fetch(`${p.url}/console/assets/nope.js`)).status).toBe(404);
  });
});
