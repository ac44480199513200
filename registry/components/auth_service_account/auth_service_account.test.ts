// auth_service_account through the real executor on workerd, against a stand-in of Google's token
// endpoint on 127.0.0.1 that VERIFIES the JWT's RS256 signature with the service account's public key.
import { generateKeyPairSync, verify } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StandIn, seedFile, startStandIn, storeCredential } from "../../../cypher-executor/test/recipes-helpers";
import { exposureConsent, startTestPlatform, type TestPlatform } from "../../../cypher-executor/test/support/platform";

type Json = Record<string, any>;
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const EMAIL = "robot@demo.iam.gserviceaccount.com";
let p: TestPlatform;
let s: StandIn;
let tokens = 0;

beforeAll(async () => {
  s = await startStandIn((r) => {
    const form = new URLSearchParams(r.body);
    if (r.path !== "/token" || form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer") {
      return { status: 400, json: { error: "unsupported_grant_type" } };
    }
    const [h, c, sig] = (form.get("assertion") ?? "").split(".");
    if (!verify("RSA-SHA256", Buffer.from(`${h}.${c}`), publicKey, Buffer.from(sig ?? "", "base64url"))) {
      return { status: 400, json: { error: "invalid_grant", error_description: "Invalid JWT Signature." } };
    }
    const claims = JSON.parse(Buffer.from(c ?? "", "base64url").toString());
    const header = JSON.parse(Buffer.from(h ?? "", "base64url").toString());
    const now = Date.now() / 1000;
    const good =
      header.alg === "RS256" &&
      claims.iss === EMAIL &&
      claims.aud === `${s.origin}/token` &&
      claims.scope === "https://www.googleapis.com/auth/spreadsheets" &&
      Math.abs(claims.iat - now) < 60 &&
      claims.exp - claims.iat === 3600;
    if (!good) return { status: 400, json: { error: "invalid_grant", claims } };
    tokens++;
    return {
      status: 200,
      json: { access_token: `ya29.t${tokens}-${claims.sub ?? "none"}`, expires_in: 3599, token_type: "Bearer" },
    };
  });
  p = await startTestPlatform({ allowHosts: ["127.0.0.1"] });
  await storeCredential(
    p,
    "gsa",
    JSON.stringify({ client_email: EMAIL, private_key: privateKey.export({ type: "pkcs8", format: "pem" }) }),
  );
  const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" });
  await storeCredential(p, "gsa_other", JSON.stringify({ client_email: EMAIL, private_key: other }));
});
afterAll(async () => {
  await p?.dispose();
  await s?.close();
});

const recipe = () => {
  const r = seedFile("auth", "google_sheets") as Json;
  r.token_exchange.endpoint = `${s.origin}/token`;
  return r;
};
const call = async (input: Json) => {
  const res = await p.call("POST", "/v1/components/auth_service_account/call", { input }, exposureConsent());
  return (await res.json()) as Json;
};

describe("auth_service_account", () => {
  it("signs the JWT by reference, exchanges it, and caches the token", async () => {
    const first = await call({ auth_recipe: recipe(), credentials: { service_account: "gsa" }, client_email: EMAIL });
    expect(first.status, JSON.stringify(first)).toBe("succeeded");
    expect(first.data).toMatchObject({ access_token: "ya29.t1-none", cached: false, expires_in: 3599 });
    const second = await call({ auth_recipe: recipe(), credentials: { service_account: "gsa" }, client_email: EMAIL });
    expect(second.data).toMatchObject({ access_token: "ya29.t1-none", cached: true });
    expect(tokens).toBe(1);
    const kv = await p.platform.mf.getKVNamespace("CREDENTIALS_KV");
    const { keys } = await kv.list();
    expect(keys.map((k) => k.name)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^[0-9a-f]{64}:oauth2:google_sheets:gsa:/)]),
    );
  });

  it("puts the delegated subject in the JWT", async () => {
    const r = await call({
      auth_recipe: recipe(),
      credential: "gsa",
      client_email: EMAIL,
      subject: "boss@example.com",
    });
    expect(r.data).toMatchObject({ access_token: "ya29.t2-boss@example.com", cached: false });
  });

  it("a wrong key fails the signature check at the token endpoint", async () => {
    const r = await call({ auth_recipe: recipe(), credentials: { service_account: "gsa_other" }, client_email: EMAIL });
    expect(r.status).toBe("failed");
    expect(r.error.code).toBe("TOKEN_EXCHANGE_FAILED");
    expect(r.error.message).toContain("400");
  });
});
