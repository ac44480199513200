import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runAcr } from "./support/acr-process";
import { FakeCloudflare, PERMISSIONS } from "./support/fake-cloudflare";

// `acr init --self-hosted` / `acr update` as a user runs them: the built CLI in a child process,
// against the local Cloudflare API fake (no account can be reached here). The first suite deploys with
// `wrangler deploy` itself (CLOUDFLARE_API_BASE_URL → the fake); the second lets wrangler bundle and
// uploads over the REST API (`--deploy-via api`). The fake runs the uploaded Workers on workerd, so
// the recipes are seeded and the first API key made by the real executor, in the fake account's KV.
const KV_TITLES = [
  "arcrun-webhooks",
  "arcrun-credentials",
  "arcrun-recipes",
  "arcrun-users",
  "arcrun-sessions",
  "arcrun-analytics",
  "arcrun-exec-context",
];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  json: Record<string, unknown> | null;
}

/** `acr --json …` in an isolated home (support/acr-process.ts), its first JSON line parsed. */
async function acr(home: string, env: Record<string, string>, args: string[]): Promise<Run> {
  const r = await runAcr(["--json", ...args], {
    home,
    env: { ARCRUN_HOME: home, ARCRUN_URL: "", ARCRUN_API_KEY: "", ...env },
  });
  const line = r.stdout.split("\n").find((l) => l.startsWith("{"));
  return { ...r, json: line ? JSON.parse(line) : null };
}

async function setup(fake: FakeCloudflare, token = fake.addToken(), via: "wrangler" | "api" = "api") {
  const home = mkdtempSync(join(tmpdir(), "acr-install-"));
  const env = {
    CLOUDFLARE_API_BASE_URL: fake.url,
    CLOUDFLARE_ACCOUNT_ID: fake.accountId,
    CLOUDFLARE_API_TOKEN: token,
    ARCRUN_SKIP_BUILD: "1",
    ARCRUN_ENCRYPTION_KEY: "",
  };
  const flags = [
    "--deploy-via",
    via,
    "--executor-url",
    await fake.workerUrl("arcrun-cypher-executor"),
    // Two component workers keep each full deploy light on the shared CPUs; all are bundled in the executor.
    "--components",
    "set,string_ops",
  ];
  const init = () => acr(home, env, ["init", "--self-hosted", ...flags]);
  const update = () => acr(home, env, ["update", ...flags]);
  const config = () => parse(readFileSync(join(home, "config.yaml"), "utf8")) as Record<string, string>;
  const state = () =>
    JSON.parse(readFileSync(join(home, "install", `${fake.accountId}-arcrun.json`), "utf8")) as {
      kv: Record<string, string>;
      steps: Record<string, string>;
    };
  return { home, env, flags, init, update, config, state };
}

const creations = (fake: FakeCloudflare) =>
  fake.log.filter((l) => l.method === "POST" && /kv\/namespaces$|r2\/buckets$/.test(l.path) && l.status === 200).length;

// Each run bundles Workers with wrangler: on shared CPUs a run can take a while.
describe("acr init --self-hosted against the Cloudflare API fake", { timeout: 240_000 }, () => {
  const fake = new FakeCloudflare();
  let s: Awaited<ReturnType<typeof setup>>;
  let first: Run;

  beforeAll(async () => {
    await fake.start();
    // The default path: `wrangler deploy` itself, pointed at the fake with CLOUDFLARE_API_BASE_URL.
    s = await setup(fake, undefined, "wrangler");
    first = await s.init();
  }, 180_000);
  afterAll(async () => {
    await fake.stop();
    rmSync(s.home, { recursive: true, force: true });
  });

  it("creates the seven namespaces and the bucket, deploys, sets secrets and makes the first key", async () => {
    expect(first.code, first.stderr).toBe(0);
    expect([...fake.kv.values()].map((n) => n.title).sort()).toEqual([...KV_TITLES].sort());
    expect([...fake.buckets.keys()]).toEqual(["arcrun-wasm"]);
    const exec = fake.scripts.get("arcrun-cypher-executor");
    expect(exec?.workersDev).toBe(true);
    expect(exec?.crons).toEqual(["* * * * *"]);
    const kvBindings = Object.fromEntries(
      (exec?.bindings ?? []).filter((b) => b.type === "kv_namespace").map((b) => [b.name, b.namespace_id]),
    );
    expect(kvBindings).toEqual(s.state().kv);
    expect(exec?.bindings).toContainEqual({ type: "plain_text", name: "WORKER_SUBDOMAIN", text: "tester" });
    expect(exec?.bindings.filter((b) => b.type === "service")).toEqual([
      { type: "service", name: "CMP_SET", service: "arcrun-set" },
      { type: "service", name: "CMP_STRING_OPS", service: "arcrun-string-ops" },
      { type: "service", name: "CONSOLE", service: "arcrun-console" },
    ]);
    expect(fake.scripts.has("arcrun-console")).toBe(true);
    expect(fake.scripts.get("arcrun-string-ops")?.workersDev).toBe(true);
    expect([...(exec?.secrets.keys() ?? [])].sort()).toEqual(["ADMIN_TOKEN", "ENCRYPTION_KEY"]);

    const cfg = s.config();
    expect(statSync(join(s.home, "config.yaml")).mode & 0o777).toBe(0o600);
    expect(exec?.secrets.get("ENCRYPTION_KEY")).toBe(cfg.encryption_key);
    expect(Buffer.from(cfg.encryption_key ?? "", "base64")).toHaveLength(32);
    expect(cfg.api_key).toMatch(/^acr_/);
    expect(first.json?.apiKey).toBe(cfg.api_key);

    // The key was made by the deployed executor and lives in the fake account's USERS_KV.
    const res = await fetch(`${cfg.url}/v1/whoami`, { headers: { authorization: `Bearer ${cfg.api_key}` } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { ns: string }).ns).toBe(cfg.ns);
    expect((await fake.kvKeys(s.state().kv.USERS_KV ?? "")).some((k) => k.startsWith("user:"))).toBe(true);
    // The console is served from the executor's own origin through its CONSOLE binding.
    const shell = await fetch(`${cfg.url}/console/workflows/x`);
    expect(shell.status).toBe(200);
    expect(await shell.text()).toContain('<div id="root">');
    // The plaintext secrets never reach the output.
    expect(first.stdout + first.stderr).not.toContain(cfg.encryption_key);
    expect(first.stdout + first.stderr).not.toContain(cfg.admin_token);
  });

  it("a re-run creates nothing and keeps ids, encryption key and API key", async () => {
    const before = { kv: s.state().kv, cfg: s.config(), creations: creations(fake) };
    const again = await s.init();
    expect(again.code, again.stderr).toBe(0);
    expect(creations(fake)).toBe(before.creations);
    expect(s.state().kv).toEqual(before.kv);
    expect(s.config().encryption_key).toBe(before.cfg.encryption_key);
    expect(s.config().api_key).toBe(before.cfg.api_key);
    expect(fake.kv.size).toBe(7);
  });

  it("update redeploys over the same storage: data, ids, encryption key and key stay", async () => {
    const ids = s.state().kv;
    const webhooks = ids.WEBHOOKS ?? "";
    const put = await fetch(
      `${fake.url}/accounts/${fake.accountId}/storage/kv/namespaces/${webhooks}/values/webhook%3Aabc%3Ahello`,
      {
        method: "PUT",
        headers: { authorization: `Bearer ${s.env.CLOUDFLARE_API_TOKEN}` },
        body: "name: hello",
      },
    );
    expect(put.status).toBe(200);
    const uploads = fake.scripts.get("arcrun-cypher-executor")?.uploads ?? 0;
    const cfg = s.config();
    const up = await s.update();
    expect(up.code, up.stderr).toBe(0);
    expect(fake.scripts.get("arcrun-cypher-executor")?.uploads).toBe(uploads + 1);
    expect(s.state().kv).toEqual(ids);
    expect(fake.kv.size).toBe(7);
    expect(await fake.kvGet(webhooks, "webhook:abc:hello")).toBe("name: hello");
    expect(s.config().encryption_key).toBe(cfg.encryption_key);
    expect(fake.scripts.get("arcrun-cypher-executor")?.secrets.get("ENCRYPTION_KEY")).toBe(cfg.encryption_key);
    const res = await fetch(`${cfg.url}/v1/whoami`, { headers: { authorization: `Bearer ${cfg.api_key}` } });
    expect(res.status).toBe(200);
  });

  it("acr whoami uses the user config the installer wrote", async () => {
    const r = await acr(s.home, {}, ["whoami"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({
      url: s.config().url,
      ns: s.config().ns,
      role: "admin",
      source: "config.yaml",
      file: join(s.home, "config.yaml"),
      encryptionKey: true,
    });
  });

  it("acr parts lists the deployed executor's components", async () => {
    const all = await acr(s.home, {}, ["parts"]);
    expect(all.code, all.stderr).toBe(0);
    const names = ((all.json?.components ?? []) as { name: string }[]).map((c) => c.name);
    expect(names.length).toBeGreaterThan(0);
    const first = names[0] ?? "";
    const some = await acr(s.home, {}, ["parts", "--search", first]);
    expect(((some.json?.components ?? []) as { name: string }[]).map((c) => c.name)).toContain(first);
    const none = await acr(s.home, {}, ["parts", "--search", "no-such-part-anywhere"]);
    expect(none.json).toEqual({ components: [] });
  });

  it("acr deploy redeploys only the named Worker", async () => {
    const before = [...fake.scripts.values()].map((w) => [w.name, w.uploads] as const);
    const r = await acr(s.home, s.env, ["deploy", "cypher-executor", ...s.flags]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json?.workers).toEqual(["arcrun-cypher-executor"]);
    for (const [name, uploads] of before) {
      expect(fake.scripts.get(name)?.uploads).toBe(name === "arcrun-cypher-executor" ? uploads + 1 : uploads);
    }
    const unknown = await acr(s.home, s.env, ["deploy", "no-such-worker", ...s.flags]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("No Worker named no-such-worker");
  });

  it("usage errors exit 2 with the fix", async () => {
    const neither = await acr(s.home, s.env, ["init"]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain("Choose one of --local or --self-hosted");
    const noAccount = await acr(s.home, { ...s.env, CLOUDFLARE_ACCOUNT_ID: "" }, [
      "init",
      "--self-hosted",
      "--account-id",
      "nope",
    ]);
    expect(noAccount.code).toBe(2);
    expect(noAccount.stderr).toContain("is not a Cloudflare account id");
  });

  it("stops when the config lost its encryption key but the Worker has one", async () => {
    const saved = readFileSync(join(s.home, "config.yaml"), "utf8");
    rmSync(join(s.home, "config.yaml"));
    const r = await s.init();
    expect(r.code).toBe(1);
    const err = JSON.parse(r.stderr.trim().split("\n").at(-1) ?? "{}") as { error: { message: string; hint: string } };
    expect(err.error.message).toContain("already has an ENCRYPTION_KEY");
    expect(err.error.hint).toContain("backed-up key");
    expect(fake.scripts.get("arcrun-cypher-executor")?.secrets.get("ENCRYPTION_KEY")).toBe(parse(saved).encryption_key);
    // Restoring the key from the backup (here through the env) lets the run go on.
    const restored = await acr(s.home, { ...s.env, ARCRUN_ENCRYPTION_KEY: parse(saved).encryption_key }, [
      "init",
      "--self-hosted",
      ...s.flags,
    ]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(s.config().encryption_key).toBe(parse(saved).encryption_key);
  });

  it("refuses when ARCRUN_ENCRYPTION_KEY and the config disagree", async () => {
    const other = Buffer.alloc(32, 7).toString("base64");
    const r = await acr(s.home, { ...s.env, ARCRUN_ENCRYPTION_KEY: other }, ["update", ...s.flags]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("ARCRUN_ENCRYPTION_KEY differs from encryption_key");
    expect(s.config().encryption_key).not.toBe(other);
  });

  it("update refuses, creating nothing, when a recorded namespace is gone", async () => {
    const id = s.state().kv.SESSIONS_KV ?? "";
    const ns = fake.kv.get(id);
    fake.kv.delete(id);
    const before = creations(fake);
    try {
      const r = await s.update();
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`recorded with id ${id}, but the account no longer has it`);
      expect(creations(fake)).toBe(before);
    } finally {
      if (ns) fake.kv.set(id, ns);
    }
  });
});

describe("acr init --self-hosted: failures, resumption, pagination, permissions", { timeout: 240_000 }, () => {
  const fake = new FakeCloudflare();
  beforeAll(async () => {
    await fake.start();
    // 150 unrelated namespaces first, so the installer's own ones sit on a later page.
    for (let i = 0; i < 150; i++)
      fake.kv.set(`other${i}`.padEnd(32, "0"), { id: `other${i}`.padEnd(32, "0"), title: `other-${i}` });
    fake.kv.set("f".repeat(32), { id: "f".repeat(32), title: "arcrun-webhooks" });
  });
  afterAll(() => fake.stop());

  it("names the missing permission and creates nothing", async () => {
    const s = await setup(fake, fake.addToken([PERMISSIONS.account, PERMISSIONS.kv, PERMISSIONS.scripts]));
    const r = await s.init();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('lacks the permission \\"Workers R2 Storage: Edit\\"');
    expect(creations(fake)).toBe(0);
    rmSync(s.home, { recursive: true, force: true });
  });

  it("a token that can only read R2 fails at bucket creation, naming the Edit permission", async () => {
    const s = await setup(
      fake,
      fake.addToken([PERMISSIONS.account, PERMISSIONS.kv, PERMISSIONS.scripts, "Workers R2 Storage: Read"]),
    );
    const r = await s.init();
    expect(r.code).toBe(1);
    const err = JSON.parse(r.stderr.trim().split("\n").at(-1) ?? "{}") as { error: { message: string; hint: string } };
    expect(err.error.message).toContain("r2/buckets failed (10000: Authentication error)");
    expect(err.error.hint).toContain('"Workers R2 Storage: Edit"');
    rmSync(s.home, { recursive: true, force: true });
  });

  it("an account-owned token is verified on the account endpoint", async () => {
    const s = await setup(fake, fake.addToken(undefined, true));
    const writes = () => fake.log.filter((l) => l.method !== "GET").length;
    const before = writes();
    const r = await acr(s.home, s.env, ["init", "--self-hosted", "--dry-run", ...s.flags]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`POST /accounts/${fake.accountId}/r2/buckets {"name":"arcrun-wasm"}`);
    expect(r.stderr).toContain("wrangler deploy -c");
    expect(writes()).toBe(before);
    rmSync(s.home, { recursive: true, force: true });
  });

  it("a run cut off at R2 creation resumes: reuses the namespace on page 2, no duplicates", async () => {
    const s = await setup(fake);
    fake.failNext("POST", /\/r2\/buckets$/);
    const broken = await s.init();
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("10001");
    expect(Object.keys(s.state().kv)).toHaveLength(7);
    expect(s.state().steps["deploy:arcrun-cypher-executor"]).toBeUndefined();

    const resumed = await s.init();
    expect(resumed.code, resumed.stderr).toBe(0);
    const mine = [...fake.kv.values()].filter((n) => n.title.startsWith("arcrun-"));
    expect(mine.map((n) => n.title).sort()).toEqual([...KV_TITLES].sort());
    expect(s.state().kv.WEBHOOKS).toBe("f".repeat(32));
    expect([...fake.buckets.keys()]).toEqual(["arcrun-wasm"]);
    expect(s.config().api_key).toMatch(/^acr_/);
    rmSync(s.home, { recursive: true, force: true });
  });
});

describe("acr init --local", () => {
  it("prepares the local state folder and secrets once, without starting anything", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "acr-local-"));
    try {
      const first = await acr(cwd, {}, ["init", "--local"]);
      expect(first.code, first.stderr).toBe(0);
      expect(first.json).toMatchObject({ secrets: "created", state: join(cwd, ".arcrun", "state") });
      // The key file lives outside the state folder (under ARCRUN_HOME/keys).
      const secretsFile = first.json?.keyFile as string;
      expect(secretsFile.startsWith(join(cwd, ".arcrun", "state"))).toBe(false);
      expect(existsSync(join(cwd, ".arcrun", "state", "secrets.json"))).toBe(false);
      const secrets = readFileSync(secretsFile, "utf8");
      expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
      const again = await acr(cwd, {}, ["init", "--local"]);
      expect(again.json).toMatchObject({ secrets: "kept" });
      expect(readFileSync(secretsFile, "utf8")).toBe(secrets);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
