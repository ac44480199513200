import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AcrProcess, freePort, runAcr, type StartLine } from "./support/acr-process";

// Config like wrangler's: found from the working folder upwards, named profiles, and the local
// platform's identity owned by its state folder (dev.json only points at it). Real `acr dev` processes.

let acr: AcrProcess | undefined;
afterEach(async () => {
  await acr?.stop("SIGINT");
  acr = undefined;
});

async function dev(cwd: string, home: string, state: string, port: number): Promise<StartLine> {
  await acr?.stop("SIGINT");
  acr = AcrProcess.spawn(["--json", "dev", "--port", String(port), "--state", state], cwd, {
    HOME: home,
    ARCRUN_HOME: join(home, "cfg"),
  });
  return acr.waitForJson<StartLine>();
}

const whoami = async (cwd: string, home: string, args: string[] = [], env: Record<string, string> = {}) => {
  const r = await runAcr([...args, "--json", "whoami"], { home, cwd, env });
  return { ...r, me: r.code === 0 ? (JSON.parse(r.stdout) as { ns: string; source: string; file: string }) : null };
};

describe("acr config", () => {
  it("is found from a subfolder; a restart on a second state keeps both tenants; dev.json holds no key", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "arcrun-cfg-"));
    const home = join(cwd, "home");
    const port = await freePort();
    const first = await dev(cwd, home, join(cwd, "state-a"), port);

    const pointer = JSON.parse(readFileSync(join(cwd, ".arcrun", "dev.json"), "utf8"));
    expect(pointer).toEqual({ url: first.url, state: join(cwd, "state-a"), mode: "dev" });
    expect(JSON.parse(readFileSync(join(cwd, "state-a", "identity.json"), "utf8"))).toEqual({
      apiKey: first.apiKey,
      ns: first.ns,
    });

    // From two folders down, as from examples/: the platform of the folder above is found.
    const sub = join(cwd, "examples", "deeper");
    mkdirSync(sub, { recursive: true });
    const fromSub = await whoami(sub, home);
    expect(fromSub.code).toBe(0);
    expect(fromSub.me).toMatchObject({ ns: first.ns, source: "dev.json", file: join(cwd, ".arcrun", "dev.json") });

    const second = await dev(cwd, home, join(cwd, "state-b"), port);
    expect(second.ns).not.toBe(first.ns);
    expect((await whoami(sub, home)).me?.ns).toBe(second.ns);

    // Back on the first state: its own tenant, not a new one; and the second keeps its own too.
    expect((await dev(cwd, home, join(cwd, "state-a"), port)).ns).toBe(first.ns);
    expect((await whoami(cwd, home)).me?.ns).toBe(first.ns);
    expect((await dev(cwd, home, join(cwd, "state-b"), port)).ns).toBe(second.ns);
  }, 180_000);

  it("acr dev started again from a subfolder restarts the folder above's platform, not a new tenant", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "arcrun-cfg-"));
    const home = join(cwd, "home");
    const env = { HOME: home, ARCRUN_HOME: join(home, "cfg") };
    const port = await freePort();
    acr = AcrProcess.spawn(["--json", "dev", "--port", String(port)], cwd, env);
    const first = await acr.waitForJson<StartLine>();
    expect(first.devFile).toBe(join(cwd, ".arcrun", "dev.json"));
    await acr.stop("SIGINT");

    const sub = join(cwd, "examples", "deeper");
    mkdirSync(sub, { recursive: true });
    acr = AcrProcess.spawn(["--json", "dev", "--port", String(port)], sub, env);
    const again = await acr.waitForJson<StartLine>();
    expect(again.ns).toBe(first.ns);
    // The key is printed in full only by the start that created it; a restart names its prefix.
    expect((again as { apiKeyPrefix?: string }).apiKeyPrefix).toBe(first.apiKey.slice(0, 8));
    expect(again.devFile).toBe(join(cwd, ".arcrun", "dev.json"));
    expect(existsSync(join(sub, ".arcrun"))).toBe(false);
    expect(existsSync(join(cwd, "examples", ".arcrun"))).toBe(false);
    expect((await whoami(cwd, home)).me?.ns).toBe(first.ns);
  }, 120_000);

  it("named profiles: --profile and ARCRUN_PROFILE pick one; an unknown name exits 2 naming the others", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "arcrun-prof-"));
    const home = join(cwd, "home");
    const started = await dev(cwd, home, join(cwd, "state"), await freePort());
    const made = await fetch(`${started.url}/v1/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${started.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ role: "user", label: "staging" }),
    });
    const staging = (await made.json()) as { api_key: string; tenant: { ns: string } };
    mkdirSync(join(home, "cfg"), { recursive: true });
    writeFileSync(
      join(home, "cfg", "config.yaml"),
      [
        "profiles:",
        "  prod:",
        `    url: ${started.url}`,
        `    api_key: ${started.apiKey}`,
        "  staging:",
        `    url: ${started.url}`,
        `    api_key: ${staging.api_key}`,
        "",
      ].join("\n"),
    );
    const outside = mkdtempSync(join(tmpdir(), "arcrun-prof-elsewhere-"));
    expect((await whoami(outside, home, ["--profile", "prod"])).me?.ns).toBe(started.ns);
    expect((await whoami(outside, home, [], { ARCRUN_PROFILE: "staging" })).me?.ns).toBe(staging.tenant.ns);
    // A profile wins over the dev.json of the folder.
    expect((await whoami(cwd, home, ["--profile", "staging"])).me?.ns).toBe(staging.tenant.ns);
    expect((await whoami(cwd, home)).me?.ns).toBe(started.ns);
    const unknown = await runAcr(["--profile", "nope", "whoami"], { home, cwd: outside });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No profile "nope"');
    expect(unknown.stderr).toContain("prod, staging");
    expect(existsSync(join(outside, ".arcrun"))).toBe(false);
  }, 120_000);

  it("acr keys lists and revokes; the revoked key then gets 401 with a fix", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "arcrun-keys-"));
    const home = join(cwd, "home");
    await dev(cwd, home, join(cwd, "state"), await freePort());
    const created = await runAcr(["--json", "keys", "create", "--label", "ci"], { home, cwd });
    expect(created.code).toBe(0);
    const ci = JSON.parse(created.stdout) as { api_key: string; tenant: { ns: string } };
    const listed = await runAcr(["--json", "keys"], { home, cwd });
    const keys = JSON.parse(listed.stdout) as Array<{ id: string; ns: string; label: string; prefix: string }>;
    const row = keys.find((k) => k.ns === ci.tenant.ns);
    expect(row).toMatchObject({ label: "ci", prefix: ci.api_key.slice(0, 8) });
    expect(listed.stdout).not.toContain(ci.api_key);

    const revoked = await runAcr(["keys", "revoke", row?.id ?? ""], { home, cwd });
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain("revoked");
    const url = JSON.parse(readFileSync(join(cwd, ".arcrun", "dev.json"), "utf8")).url as string;
    const after = await runAcr(["whoami"], { home, cwd, env: { ARCRUN_URL: url, ARCRUN_API_KEY: ci.api_key } });
    expect(after.code).toBe(1);
    expect(after.stderr).toContain("HTTP 401");
    expect(after.stderr).toContain("fix:");
  }, 120_000);

  it("--status bogus exits 2 naming the allowed values; workflow show --version is the workflow's", async () => {
    const home = mkdtempSync(join(tmpdir(), "arcrun-usage-"));
    const bad = await runAcr(["executions", "--status", "bogus"], { home });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("succeeded, failed, waiting, running, interrupted");
    const show = await runAcr(["workflow", "show", "x", "--version", "1"], { home });
    expect(show.stdout).not.toMatch(/^\d+\.\d+\.\d+/);
    expect(show.stderr).toContain("No arcrun platform configured");
    expect((await runAcr(["--version"], { home })).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
