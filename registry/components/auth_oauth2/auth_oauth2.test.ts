// auth_oauth2 through the real executor on workerd, against a stand-in OAuth 2.0 token endpoint on
// 127.0.0.1 that checks the grant exactly as a provider does (form body, client credentials, refresh token).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StandIn, seedFile, startStandIn, storeCredential } from "../../../cypher-executor/test/recipes-helpers";
import { exposureConsent, startTestPlatform, type TestPlatform } from "../../../cypher-executor/test/support/platform";

type Json = Record<string, any>;
let p: TestPlatform;
let s: StandIn;
let issued = 0;

beforeAll(async () => {
  s = await startStandIn((r) => {
    const f = new URLSearchParams(r.body);
    if (
      r.method !== "POST" ||
      r.path !== "/token" ||
      !String(r.headers["content-type"]).startsWith("application/x-www-form-urlencoded")
    ) {
      return { status: 400, json: { error: "invalid_request" } };
    }
    if (f.get("client_id") !== "cid-1" || f.get("client_secret") !== "csecret-1")
      return { status: 401, json: { error: "invalid_client" } };
    if (f.get("grant_type") === "refresh_token" && f.get("refresh_token") !== "rtoken-1")
      return { status: 400, json: { error: "invalid_grant" } };
    if (f.get("grant_type") === "client_credentials" && f.get("scope") !== "read:all write:all")
      return { status: 400, json: { error: "invalid_scope" } };
    issued++;
    return {
      status: 200,
      json: { access_token: `at-${issued}-${f.get("grant_type")}`, expires_in: 3600, token_type: "Bearer" },
    };
  });
  p = await startTestPlatform({ allowHosts: ["127.0.0.1"] });
  await storeCredential(p, "rt", "rtoken-1");
  await storeCredential(p, "cid", "cid-1");
  await storeCredential(p, "csecret", "csecret-1");
  await storeCredential(p, "rt_bad", "rtoken-revoked");
});
afterAll(async () => {
  await p?.dispose();
  await s?.close();
});

const recipe = (grant?: string, scopes: string[] = []) => {
  const r = seedFile("auth", "google_oauth") as Json;
  r.token_exchange = { endpoint: `${s.origin}/token`, scopes, ...(grant ? { grant_type: grant } : {}) };
  return r;
};
const call = async (input: Json) =>
  (await (await p.call("POST", "/v1/components/auth_oauth2/call", { input }, exposureConsent())).json()) as Json;

describe("auth_oauth2", () => {
  it("refresh_token grant with secrets by reference; the token is cached", async () => {
    const first = await call({
      auth_recipe: recipe(),
      credentials: { client_id: "cid", client_secret: "csecret", refresh_token: "rt" },
    });
    expect(first.status, JSON.stringify(first)).toBe("succeeded");
    expect(first.data).toMatchObject({ access_token: "at-1-refresh_token", cached: false, expires_in: 3600 });
    const again = await call({
      auth_recipe: recipe(),
      credentials: { client_id: "cid", client_secret: "csecret", refresh_token: "rt" },
    });
    expect(again.data).toMatchObject({ access_token: "at-1-refresh_token", cached: true });
    expect(issued).toBe(1);
  });

  it("client_credentials grant with scopes, one credential per secret", async () => {
    const r = await call({
      auth_recipe: recipe("client_credentials", ["read:all", "write:all"]),
      credentials: { client_id: "cid", client_secret: "csecret" },
    });
    expect(r.data).toMatchObject({ access_token: "at-2-client_credentials", cached: false });
  });

  it("a revoked refresh token is TOKEN_EXCHANGE_FAILED with the provider's error", async () => {
    const r = await call({
      auth_recipe: recipe(),
      credentials: { client_id: "cid", client_secret: "csecret", refresh_token: "rt_bad" },
    });
    expect(r.status).toBe("failed");
    expect(r.error).toMatchObject({ code: "TOKEN_EXCHANGE_FAILED" });
    expect(r.error.message).toContain("invalid_grant");
    expect(JSON.stringify(r)).not.toContain("rtoken-revoked");
  });
});
