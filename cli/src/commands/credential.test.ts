import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allKvValues, verifyCredential } from "../../../cypher-executor/test/support/credentials";
import { startTestPlatform, type TestPlatform } from "../../../cypher-executor/test/support/platform";
import { type AcrRun, runAcr } from "../../test/support/acr-process";
import { parseCredentialsYaml } from "./credential-input";
import { reloadOnSecretsChange } from "./credential-local";

// The built `acr` (cli/dist) against the real executor on workerd. Each run starts Node and loads the
// CLI, slow on a loaded machine: generous timeouts, no timing asserted. Secrets go in through stdin or
// files, exactly as a user would type them.
let p: TestPlatform;
let home: string;
const leaks: string[] = [];

beforeAll(async () => {
  p = await startTestPlatform();
  home = mkdtempSync(join(tmpdir(), "arcrun-cli-cred-"));
});
afterAll(async () => {
  await p?.dispose();
  rmSync(home, { recursive: true, force: true });
});

async function acr(
  args: string[],
  opts: { input?: string; env?: Record<string, string>; cwd?: string } = {},
): Promise<AcrRun> {
  const run = await runAcr(args, { home, ...opts });
  leaks.push(run.stdout, run.stderr);
  return run;
}

const remote = () => ({ ARCRUN_URL: p.url, ARCRUN_API_KEY: p.apiKey, ARCRUN_ENCRYPTION_KEY: p.encryptionKey });
const SECRET = `ghp_${randomBytes(12).toString("hex")}`;

describe("acr credential set", { timeout: 180_000 }, () => {
  it("encrypts a piped secret locally; the platform decrypts it host-side; nothing echoes it", async () => {
    const r = await acr(["credential", "set", "github"], { input: `${SECRET}\n`, env: remote() });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/credential github stored, encrypted with key [0-9a-f]{8}/);
    expect(await verifyCredential(p, "github", SECRET)).toEqual({ status: 200, match: true });
  });

  it("reads --from-file (one trailing newline dropped)", async () => {
    const file = join(home, "sa.json");
    writeFileSync(file, '{"private_key":"pem"}\n');
    const r = await acr(["--json", "credential", "set", "gcp", "--from-file", file], { env: remote() });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: "gcp" });
    expect(await verifyCredential(p, "gcp", '{"private_key":"pem"}')).toEqual({ status: 200, match: true });
  });

  it("refuses --value (exit 2) and stores nothing", async () => {
    const r = await acr(["credential", "set", "leaky", "--value", "s3cr3t"], { env: remote() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Refusing --value/);
    expect(r.stderr).not.toContain("s3cr3t");
    expect((await p.call("GET", "/v1/credentials/leaky")).status).toBe(404);
  });

  it("a wrong local key is CREDENTIAL_KEY_MISMATCH naming the credential; nothing is uploaded", async () => {
    const env = { ...remote(), ARCRUN_ENCRYPTION_KEY: randomBytes(32).toString("base64") };
    const r = await acr(["--json", "credential", "set", "openai"], { input: "sk-x", env });
    expect(r.code).toBe(1);
    const err = JSON.parse(r.stderr).error;
    expect(err.code).toBe("CREDENTIAL_KEY_MISMATCH");
    expect(err.message).toContain('"openai"');
    expect((await p.call("GET", "/v1/credentials/openai")).status).toBe(404);
  });

  it("explains a missing encryption key", async () => {
    const { ARCRUN_URL, ARCRUN_API_KEY } = remote();
    const r = await acr(["credential", "set", "x"], { input: "y", env: { ARCRUN_URL, ARCRUN_API_KEY } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/No encryption key[\s\S]*ARCRUN_ENCRYPTION_KEY/);
  });
});

describe("acr creds push / list / rm / key", { timeout: 180_000 }, () => {
  it("pushes a credentials.yaml, each value encrypted locally", async () => {
    const file = join(home, "credentials.yaml");
    writeFileSync(file, `slack: "xoxb-${SECRET}"\nport: 5432\n`);
    const r = await acr(["--json", "creds", "push", file], { env: remote() });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout).stored).toEqual(["slack", "port"]);
    expect(await verifyCredential(p, "slack", `xoxb-${SECRET}`)).toEqual({ status: 200, match: true });
    expect(await verifyCredential(p, "port", "5432")).toEqual({ status: 200, match: true });
  });

  it("names file, line and column of a bad entry, never its value", async () => {
    const file = join(home, "bad.yaml");
    writeFileSync(file, "ok: fine\nnested:\n  a: hidden-value\n");
    const r = await acr(["creds", "push", file], { env: remote() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:3:3: credential "nested" must be a single string value`);
    expect(r.stderr).not.toContain("hidden-value");
  });

  it("lists names and key ids, deletes, and compares key ids", async () => {
    const list = await acr(["--json", "credential", "list"], { env: remote() });
    const names = (JSON.parse(list.stdout).credentials as { name: string }[]).map((c) => c.name);
    expect(names).toEqual(["gcp", "github", "port", "slack"]);
    expect(list.stdout).not.toContain(SECRET);
    expect((await acr(["credential", "rm", "port"], { env: remote() })).code).toBe(0);
    const missing = await acr(["--json", "credential", "rm", "port"], { env: remote() });
    expect(JSON.parse(missing.stderr).error.code).toBe("CREDENTIAL_NOT_FOUND");
    const key = await acr(["--json", "credential", "key"], { env: remote() });
    expect(JSON.parse(key.stdout)).toMatchObject({ match: true, next_kid: null });
  });
});

describe("under acr dev: the local platform's key, and rotate-key", { timeout: 180_000 }, () => {
  it("uses the key from the state's secrets.json, and rotates it with the running platform following", async () => {
    // The layout `acr dev` writes: ./.arcrun/dev.json pointing at the state folder holding secrets.json.
    const cwd = join(home, "project");
    const state = join(cwd, ".arcrun", "state");
    mkdirSync(state, { recursive: true });
    const secretsFile = join(state, "secrets.json");
    writeFileSync(secretsFile, JSON.stringify({ encryptionKey: p.encryptionKey, adminToken: p.adminToken }));
    writeFileSync(join(cwd, ".arcrun", "dev.json"), JSON.stringify({ url: p.url, apiKey: p.apiKey, ns: p.ns, state }));
    const stop = reloadOnSecretsChange(secretsFile, p.platform);
    try {
      const set = await acr(["credential", "set", "local-one"], { input: "local-secret", cwd });
      expect(set.stderr).toBe("");
      const rotated = await acr(["--json", "credential", "rotate-key"], { cwd });
      expect(rotated.stderr).toBe("");
      const report = JSON.parse(rotated.stdout);
      expect(report.reencrypted).toEqual(["gcp", "github", "local-one", "slack"]);
      const after = JSON.parse(readFileSync(secretsFile, "utf8"));
      expect(after.encryptionKeyNext).toBeUndefined();
      expect(await (await p.call("GET", "/v1/credentials/key")).json()).toMatchObject({ kid: report.newKid });
      for (const [name, value] of [
        ["local-one", "local-secret"],
        ["github", SECRET],
        ["slack", `xoxb-${SECRET}`],
      ] as const) {
        expect(await verifyCredential(p, name, value)).toEqual({ status: 200, match: true });
      }
      // The CLI follows: its next upload uses the new key without any setting changed.
      const again = await acr(["--json", "credential", "set", "after"], { input: "z", cwd });
      expect(again.stderr).toBe("");
      expect(JSON.parse(again.stdout).kid).toBe(report.newKid);
    } finally {
      stop();
    }
  });

  it("no KV value and no CLI output ever contained a secret", async () => {
    const dump = (await allKvValues(p)).join("\n");
    for (const s of [SECRET, "local-secret"]) {
      expect(dump).not.toContain(s);
      expect(leaks.join("\n")).not.toContain(s);
    }
  });
});

describe("parseCredentialsYaml", () => {
  it("reads a map of names to secrets with positions", () => {
    expect(parseCredentialsYaml("a: x\nb.c: 'y z'\n", "f.yaml")).toEqual([
      { name: "a", value: "x", line: 1, column: 1 },
      { name: "b.c", value: "y z", line: 2, column: 1 },
    ]);
  });
  it.each([
    ["- a\n- b\n", /f\.yaml:1:1: expected a map/],
    ["bad name: x\n", /f\.yaml:1:1: "bad name" is not a valid credential name/],
    ["a: x\na: y\n", /f\.yaml:2:1: invalid YAML \(DUPLICATE_KEY\)/],
    ["a:\n", /f\.yaml:1:3: credential "a" must be a single string value/],
  ])("rejects %j", (text, message) => {
    expect(() => parseCredentialsYaml(text, "f.yaml")).toThrow(message);
  });
});
