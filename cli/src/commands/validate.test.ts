import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../../../cypher-executor/test/support/platform";
import { type AcrRun, runAcr } from "../../test/support/acr-process";
import { formatDiagnostics, validateOffline } from "./validate";

// The built `acr` (cli/dist, with the bundled format) offline, and online against the executor on workerd.
const FIXTURES = join(__dirname, "..", "..", "..", "cypher-executor", "test", "fixtures");
let p: TestPlatform;
let home: string;

beforeAll(async () => {
  p = await startTestPlatform();
  home = mkdtempSync(join(tmpdir(), "arcrun-cli-validate-"));
});
afterAll(async () => {
  await p?.dispose();
  rmSync(home, { recursive: true, force: true });
});

function acr(args: string[], env: Record<string, string> = {}): Promise<AcrRun> {
  return runAcr(args, { home, env });
}

const BAD = `name: t
flow:
  - "input >> ON_SUCCESS >> a"
  - "a >> ON_SUCESS >> b"
config:
  a: { component: set }
  b:
    component: sett
`;

describe("acr validate --offline", () => {
  it("prints each error like a compiler, with the source line and a caret, and exits 1", async () => {
    const file = join(home, "bad.yaml");
    writeFileSync(file, BAD);
    const r = await acr(["validate", file, "--offline"]);
    expect(r.code).toBe(1);
    const lines = r.stderr.split("\n");
    expect(lines[0]).toBe(
      `${file}:4:11  UNKNOWN_EDGE_LABEL  Unknown edge label "ON_SUCESS" (did you mean ON_SUCCESS?); use one of ON_SUCCESS, ON_FAIL, ON_COMPLETE, IF {{ expr }}, ELSE, ON_TRUE, ON_FALSE, ON_BRANCH(x), FOREACH x, CALLS_SUBFLOW`,
    );
    expect(lines[1]).toBe(`    - "a >> ON_SUCESS >> b"`);
    expect(lines[2]).toBe(`  ${" ".repeat(10)}^`);
    expect(r.stderr).toContain(`${file}:8:16  UNKNOWN_COMPONENT  Unknown component "sett" (did you mean "set"?)`);
    expect(r.stderr).toContain("3 errors in");
  });

  it("exits 0 on a valid workflow; --json gives the same shape as POST /validate", async () => {
    const ok = await acr(["validate", join(FIXTURES, "order-alert.yaml"), "--offline"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("is a valid workflow");
    const file = join(home, "bad.yaml");
    writeFileSync(file, BAD);
    const j = await acr(["--json", "validate", file, "--offline"]);
    expect(j.code).toBe(1);
    const body = JSON.parse(j.stdout) as { valid: boolean; errors: Array<{ code: string }> };
    expect(body.valid).toBe(false);
    expect(body.errors.map((e) => e.code)).toEqual(["UNKNOWN_EDGE_LABEL", "UNREACHABLE_NODE", "UNKNOWN_COMPONENT"]);
  });

  it("prints warnings but still exits 0", async () => {
    const file = join(home, "race.yaml");
    writeFileSync(
      file,
      'name: race\nflow:\n  - "input >> ON_SUCCESS >> a"\n  - "input >> ON_SUCCESS >> b"\nconfig:\n  a: { component: set }\n  b: { component: set, x: "{{ a.data.x }}" }\n',
    );
    const r = await acr(["validate", file, "--offline"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      `${file}:7:31  warning NOT_UPSTREAM  Template refers to "a", which does not run before "b"`,
    );
    expect(r.stdout).toContain("is a valid workflow (1 warning)");
  });

  it("explains a missing file", async () => {
    const r = await acr(["validate", "nope.yaml", "--offline"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("No such file: nope.yaml");
  });

  it("uses the same compiler from source (tests) as the bundle", async () => {
    expect((await validateOffline(BAD)).errors.map((e) => e.code)).toEqual([
      "UNKNOWN_EDGE_LABEL",
      "UNREACHABLE_NODE",
      "UNKNOWN_COMPONENT",
    ]);
  });
});

describe("acr validate (online)", () => {
  it("posts to the platform's /validate and prints the same diagnostics", async () => {
    const file = join(home, "bad.yaml");
    writeFileSync(file, BAD);
    const env = { ARCRUN_URL: p.url, ARCRUN_API_KEY: p.apiKey };
    const r = await acr(["validate", file], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file}:4:11  UNKNOWN_EDGE_LABEL`);
    expect(r.stderr).toContain(`${file}:8:16  UNKNOWN_COMPONENT`);
    const ok = await acr(["validate", join(FIXTURES, "order-alert.yaml")], env);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
  });
});

describe("formatDiagnostics", () => {
  it("prints unpositioned errors with their path", () => {
    expect(formatDiagnostics("f.yaml", "", [{ code: "X", message: "m", path: "flow" }])).toBe("f.yaml  X  m (flow)");
  });
});
