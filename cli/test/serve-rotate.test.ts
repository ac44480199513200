import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AcrProcess, runAcr } from "./support/acr-process";

// `acr credential rotate-key` against `acr serve`: plain workerd reads secrets only at start, so serve
// restarts it on the same port when its key file changes (it exited 1 "did not pick up the new key" before).
let serve: AcrProcess | undefined;
afterAll(async () => {
  await serve?.stop("SIGTERM");
});

describe("acr serve follows rotate-key", () => {
  it("rotates the key of a served platform; credentials keep decrypting, the URL stays", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "arcrun-serve-rotate-"));
    const home = join(cwd, "home");
    const env = { HOME: home, ARCRUN_HOME: join(home, "cfg") };
    serve = AcrProcess.spawn(["--json", "serve", "--address", "127.0.0.1:0", "--state", join(cwd, "state")], cwd, env);
    const started = await serve.waitForJson<{ url: string; apiKey: string; keyFile: string }>();
    expect(started.keyFile.startsWith(join(cwd, "state"))).toBe(false);

    const set = await runAcr(["credential", "set", "github"], { home, cwd, input: "ghp_rotate_me" });
    expect(set.code, set.stderr).toBe(0);
    const before = JSON.parse(readFileSync(started.keyFile, "utf8")).encryptionKey;

    const rotated = await runAcr(["--json", "credential", "rotate-key"], { home, cwd });
    expect(rotated.stderr).toBe("");
    expect(rotated.code).toBe(0);
    const report = JSON.parse(rotated.stdout) as { reencrypted: string[]; newKid: string };
    expect(report.reencrypted).toEqual(["github"]);
    expect(JSON.parse(readFileSync(started.keyFile, "utf8")).encryptionKey).not.toBe(before);

    const key = await fetch(`${started.url}/v1/credentials/key`, {
      headers: { authorization: `Bearer ${started.apiKey}` },
    });
    expect(await key.json()).toMatchObject({ kid: report.newKid });
    const again = await runAcr(["--json", "credential", "set", "after"], { home, cwd, input: "z" });
    expect(JSON.parse(again.stdout).kid).toBe(report.newKid);
    expect(serve.child.exitCode).toBeNull();
  }, 120_000);
});
