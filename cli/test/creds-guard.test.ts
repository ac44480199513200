import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runAcr } from "./support/acr-process";

// `acr creds push` reads plaintext secrets: it refuses a file git would commit, before reading any secret.
describe("acr creds push and git", () => {
  it("refuses a credentials.yaml that is not ignored, or tracked; accepts it once ignored", async () => {
    const home = mkdtempSync(join(tmpdir(), "arcrun-guard-"));
    const repo = join(home, "repo");
    execFileSync("git", ["init", "-q", repo]);
    writeFileSync(join(repo, "credentials.yaml"), "github: ghp_not_a_real_token\n");

    const open = await runAcr(["creds", "push"], { home, cwd: repo });
    expect(open.code).toBe(1);
    expect(open.stderr).toContain("git would commit it");
    expect(open.stderr).toContain(".gitignore");
    expect(open.stderr).not.toContain("ghp_not_a_real_token");

    writeFileSync(join(repo, ".gitignore"), "credentials.yaml\n");
    const ignored = await runAcr(["creds", "push"], { home, cwd: repo });
    // Past the guard: it now needs a platform, which this test does not start.
    expect(ignored.stderr).toContain("No arcrun platform configured");

    execFileSync("git", ["add", "-f", "credentials.yaml"], { cwd: repo });
    const tracked = await runAcr(["creds", "push", "credentials.yaml"], { home, cwd: repo });
    expect(tracked.code).toBe(1);
    expect(tracked.stderr).toContain("tracked by git");
  });

  it("this repository ignores credentials.yaml", () => {
    const root = join(import.meta.dirname, "..", "..");
    expect(() => execFileSync("git", ["check-ignore", "-q", "credentials.yaml"], { cwd: root })).not.toThrow();
  });
});
