import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "./support/platform";

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(() => p?.dispose());

describe("platform basics", () => {
  it("GET /health answers ok with the package version", async () => {
    const res = await fetch(`${p.url}/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ok: boolean; version: string };
    expect(body.ok).toBe(true);
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("unknown routes answer the one JSON error shape", async () => {
    const res = await fetch(`${p.url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: "NOT_FOUND", message: "No route for GET /nope" } });
  });

  it("GET /openapi.json is generated from the route schemas", async () => {
    const doc = (await (await fetch(`${p.url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/health", "/v1/keys", "/v1/whoami"]));
  });
});

describe("API keys", () => {
  it("rejects /v1/* without a key with a 401 JSON error", async () => {
    const res = await fetch(`${p.url}/v1/anything`);
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toBe("UNAUTHORIZED");
  });

  it("rejects a wrong key", async () => {
    const res = await fetch(`${p.url}/v1/whoami`, { headers: { authorization: "Bearer acr_wrong" } });
    expect(res.status).toBe(401);
  });

  it("routes /v1/* with a valid key (Bearer or X-Arcrun-API-Key)", async () => {
    const a = await p.call("GET", "/v1/whoami");
    expect(a.status).toBe(200);
    expect(((await a.json()) as { ns: string }).ns).toBe(p.ns);
    const b = await fetch(`${p.url}/v1/whoami`, { headers: { "x-arcrun-api-key": p.apiKey } });
    expect(b.status).toBe(200);
    const c = await p.call("GET", "/v1/anything");
    expect(c.status).toBe(404);
  });

  it("stores only the key's hash: a dump of USERS_KV does not contain the key", async () => {
    const kv = await p.platform.mf.getKVNamespace("USERS_KV");
    const { keys } = await kv.list();
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) {
      expect(k.name).not.toContain(p.apiKey);
      const value = await kv.get(k.name);
      expect(value ?? "").not.toContain(p.apiKey);
    }
    expect(keys.map((k) => k.name)).toEqual(expect.arrayContaining([expect.stringMatching(/^user:[0-9a-f]{64}$/)]));
  });

  it("gives each key its own public namespace; a user key cannot create keys", async () => {
    const other = await p.newKey("user");
    expect(other.ns).not.toBe(p.ns);
    expect(other.ns).toMatch(/^[a-z0-9]{10}$/);
    const res = await fetch(`${p.url}/v1/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${other.apiKey}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(403);
  });

  it("validates request bodies with field-level errors", async () => {
    const res = await p.call("POST", "/v1/keys", { role: "root" });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; issues: { path: string }[] } };
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(body.error.issues[0]?.path).toBe("role");
  });
});
