import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consent, type StandIn, seedFile, startStandIn, storeCredential } from "../recipes-helpers";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { reportFigures } from "./support/summary";

// Peer CVE class: an OAuth token endpoint answering 307 made the client re-send client_secret to
// wherever Location pointed, then cache the token it got there. Both the auth_oauth2 component (through
// the http_request host) and the host-side exchange must refuse.
let p: TestPlatform;
let elsewhere: StandIn;
let token: StandIn;
let api: StandIn;

beforeAll(async () => {
  elsewhere = await startStandIn(() => ({ status: 200, json: { access_token: "stolen-token", expires_in: 3600 } }));
  token = await startStandIn(() => ({ status: 307, json: {}, location: `${elsewhere.origin}/token` }));
  api = await startStandIn(() => ({ status: 200, json: { ok: true } }));
  p = await startTestPlatform({ allowHosts: ["127.0.0.1"] });
  const auth = seedFile("auth", "google_oauth") as Record<string, any>;
  auth.service = "redirecting_oauth";
  auth.base_url = api.origin;
  auth.token_exchange.endpoint = `${token.origin}/token`;
  auth.allowed_hosts = [token.host, elsewhere.host, api.host];
  const recipe = {
    canonical_id: "redirecting_call",
    display_name: "x",
    endpoint: `${api.origin}/v1/thing`,
    method: "GET",
    auth_service: "redirecting_oauth",
  };
  for (const [path, body] of [
    ["/v1/auth-recipes/redirecting_oauth", { recipe: auth, exposure_consent: consent() }],
    ["/v1/recipes/redirecting_call", { recipe, exposure_consent: consent() }],
  ] as const) {
    const res = await p.call("PUT", path, body);
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  }
  await storeCredential(
    p,
    "goog",
    JSON.stringify({ client_id: "cid", client_secret: "CLIENT-SECRET-xyz", refresh_token: "rt-1" }),
  );
}, 60_000);
afterAll(async () => {
  await p?.dispose();
  for (const s of [elsewhere, token, api]) await s?.close();
});

describe("OAuth token exchange and redirects", () => {
  it("a 307 from the token endpoint is refused: the secret never reaches the Location, no token is cached or used", async () => {
    const res = await p.call("POST", "/v1/recipes/redirecting_call/run", { input: { credential: "goog" } });
    const text = await res.text();
    expect(res.status, text).toBeGreaterThanOrEqual(400);
    expect(text).toMatch(/redirect/i);
    expect(token.seen.length).toBeGreaterThan(0);
    reportFigures("OAuth token exchange redirected (307)", {
      tried: token.seen.length,
      refused: res.status >= 400 ? 1 : 0,
      breaches: elsewhere.seen.length + api.seen.length,
      note: "client secret re-sent to the Location / stolen token used",
    });
    expect(elsewhere.seen).toHaveLength(0);
    expect(api.seen).toHaveLength(0);
    const kv = await p.platform.mf.getKVNamespace("CREDENTIALS_KV");
    for (const k of (await kv.list()).keys) expect(await kv.get(k.name)).not.toBe("stolen-token");
  });
});
