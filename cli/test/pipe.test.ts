import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { acrBin } from "./support/acr-process";

// A reader that leaves early (`acr --help | head -1`) must not turn into an EPIPE stack trace.
describe("acr piped into a reader that stops early", () => {
  it("exits quietly when stdout closes", () => {
    const run = spawnSync("sh", ["-c", `node "${acrBin}" --help | head -c 1 >/dev/null; sleep 0.2`], {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    expect(run.stderr).not.toMatch(/EPIPE|Unhandled 'error' event|at /);
  });
});
