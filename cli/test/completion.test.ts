import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runAcr } from "./support/acr-process";

// Shell completion generated from the command tree: bash runs for real; zsh and fish scripts are checked
// for the commands they complete (neither shell is installed on the CI image).
describe("acr completion", () => {
  it("bash completes commands, subcommands after an operand, and options", async () => {
    const home = mkdtempSync(join(tmpdir(), "arcrun-compl-"));
    const script = join(home, "acr.bash");
    writeFileSync(script, (await runAcr(["completion", "bash"], { home })).stdout);
    const complete = (...words: string[]) =>
      execFileSync(
        "bash",
        [
          "-c",
          `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _acr; echo "\${COMPREPLY[@]}"`,
        ],
        { encoding: "utf8" },
      ).trim();
    expect(complete("acr", "ke")).toBe("keys");
    expect(complete("acr", "keys", "")).toContain("revoke");
    expect(complete("acr", "workflow", "show", "hello", "--ver")).toBe("--version");
    expect(complete("acr", "executions", "--st")).toBe("--status");
  });

  it("zsh and fish scripts name every top-level command; an unknown shell exits 2", async () => {
    const home = mkdtempSync(join(tmpdir(), "arcrun-compl-"));
    const zsh = (await runAcr(["completion", "zsh"], { home })).stdout;
    const fish = (await runAcr(["completion", "fish"], { home })).stdout;
    expect(zsh).toContain("#compdef acr");
    for (const cmd of ["dev", "keys", "tail", "logs", "completion"]) {
      expect(zsh).toContain(cmd);
      expect(fish).toContain(`-a '${cmd}'`);
    }
    const bad = await runAcr(["completion", "tcsh"], { home });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("bash, zsh, fish");
  });
});
