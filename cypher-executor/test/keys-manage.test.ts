import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "./support/platform";

// API keys: list (never the key, only what identifies it) and revoke, on the real executor on workerd.
let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(() => p?.dispose());

interface KeyInfo {
  id: string;
  prefix: string | null;
  ns: string;
  role: string;
  label: string;
  created_at: string;
  last_used_at: string | null;
}

const as = (key: string, method: string, path: string) =>
  fetch(p.url + path, { method, headers: { authorization: `Bearer ${key}` } });

describe("GET /v1/keys and DELETE /v1/keys/{id}", () => {
  it("lists prefix, role, label, created and last used; an admin sees all, a user only itself", async () => {
    const user = await p.newKey("user");
    expect((await as(user.apiKey, "GET", "/v1/whoami")).status).toBe(200);
    const all = (await (await p.call("GET", "/v1/keys")).json()) as { keys: KeyInfo[] };
    const mine = all.keys.find((k) => k.ns === p.ns);
    expect(mine).toMatchObject({ prefix: p.apiKey.slice(0, 8), role: "admin", label: "test" });
    expect(mine?.id).toMatch(/^[0-9a-f]{16}$/);
    expect(Date.parse(mine?.last_used_at ?? "")).not.toBeNaN();
    expect(all.keys.map((k) => k.ns)).toContain(user.ns);
    // No key, nor its full hash, is ever listed.
    const text = JSON.stringify(all);
    expect(text).not.toContain(p.apiKey);
    expect(text).not.toContain(user.apiKey);

    const seen = (await (await as(user.apiKey, "GET", "/v1/keys")).json()) as { keys: KeyInfo[] };
    expect(seen.keys.map((k) => k.ns)).toEqual([user.ns]);
    // The operator token lists too.
    expect((await as(p.adminToken, "GET", "/v1/keys")).status).toBe(200);
    expect((await fetch(`${p.url}/v1/keys`)).status).toBe(401);
  });

  it("revoke then 401 at once, on the instance that received it (its 30 s auth cache drops the key)", async () => {
    const victim = await p.newKey("user");
    // Authenticate twice first: the key is now in this isolate's auth cache.
    expect((await as(victim.apiKey, "GET", "/v1/whoami")).status).toBe(200);
    expect((await as(victim.apiKey, "GET", "/v1/workflows")).status).toBe(200);
    const list = (await (await p.call("GET", "/v1/keys")).json()) as { keys: KeyInfo[] };
    const id = list.keys.find((k) => k.ns === victim.ns)?.id ?? "";

    const res = await p.call("DELETE", `/v1/keys/${id}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ revoked: { id, ns: victim.ns }, propagation_seconds: 90 });

    const after = await as(victim.apiKey, "GET", "/v1/whoami");
    expect(after.status).toBe(401);
    // Its namespace is gone too: its webhooks no longer resolve.
    const list2 = (await (await p.call("GET", "/v1/keys")).json()) as { keys: KeyInfo[] };
    expect(list2.keys.map((k) => k.ns)).not.toContain(victim.ns);
    expect((await p.call("DELETE", `/v1/keys/${id}`)).status).toBe(404);
  });

  it("a user key may not revoke another key; bad ids are 400", async () => {
    const a = await p.newKey("user");
    const list = (await (await p.call("GET", "/v1/keys")).json()) as { keys: KeyInfo[] };
    const adminId = list.keys.find((k) => k.ns === p.ns)?.id ?? "";
    expect((await as(a.apiKey, "DELETE", `/v1/keys/${adminId}`)).status).toBe(404);
    expect((await p.call("GET", "/v1/whoami")).status).toBe(200);
    expect((await p.call("DELETE", "/v1/keys/NOT-HEX")).status).toBe(400);
  });
});
