// acr parts scaffold → acr component build → acr component test, through the real CLI: the scaffolded
// component is compiled by the real registry build and its cases run on a throwaway platform on workerd.
//
// The build only reads registry/components/ and skips `_x` folders, so the test scaffolds there under
// `zz_scaffold_test_<random>`: removed (with its .component-builds/ output) in afterAll, and any such folder a
// killed run left behind is swept at the start of the next run (the prefix is git-ignored too).
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkCase, compilerLocations } from "../src/commands/component";

const root = join(import.meta.dirname, "..", "..");
const components = join(root, "registry", "components");
const builds = join(root, ".component-builds");
const binTs = join(root, "cli", "src", "bin.ts");
// By URL: the "outside a checkout" run has a cwd where the bare name `tsx` does not resolve.
const tsxLoader = pathToFileURL(join(root, "node_modules", "tsx", "dist", "loader.mjs")).href;
const PREFIX = "zz_scaffold_test_";
const GO = "/usr/local/go/bin/go";
const suffix = randomBytes(4).toString("hex");
const asName = `${PREFIX}${suffix}`;
const goName = `${PREFIX}go_${suffix}`;
const home = mkdtempSync(join(tmpdir(), "acr-home-"));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `acr` from source (no stale dist), with no platform configured. */
function acr(args: string[], cwd = root, extra: NodeJS.ProcessEnv = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, ARCRUN_HOME: home, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };
  delete env.ARCRUN_URL;
  delete env.ARCRUN_API_KEY;
  Object.assign(env, extra);
  return new Promise((done) => {
    execFile(
      process.execPath,
      ["--import", tsxLoader, binTs, ...args],
      { cwd, env, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

function removeComponent(name: string): void {
  rmSync(join(components, name), { recursive: true, force: true });
  rmSync(join(builds, name), { recursive: true, force: true });
}

beforeAll(() => {
  // Leftovers of a run that was killed before afterAll (older than an hour: not a parallel run's).
  for (const n of readdirSync(components)) {
    if (n.startsWith(PREFIX) && Date.now() - statSync(join(components, n)).mtimeMs > 3_600_000) removeComponent(n);
  }
});

afterAll(async () => {
  removeComponent(asName);
  removeComponent(goName);
  rmSync(home, { recursive: true, force: true });
  // Rewrites .component-builds/index.ts without the removed components.
  const build = (await import(join(root, "registry", "scripts", "build.mjs"))) as {
    buildComponents(o: { names: string[]; quiet: boolean }): Promise<unknown>;
  };
  await build.buildComponents({ names: ["set"], quiet: true });
  // Someone who bundled the executor while the test component existed got it in the shared bundle: rebundle.
  const dist = join(root, "cypher-executor", "dist", "index.js");
  const text = existsSync(dist) ? readFileSync(dist, "utf8") : "";
  if (text.includes(asName) || text.includes(goName)) {
    execFileSync(process.execPath, [join(root, "scripts", "bundle-executor.mjs")], { cwd: root, stdio: "ignore" });
  }
}, 300_000);

describe("acr parts scaffold", () => {
  it("refuses names that are not snake_case, or taken, with a usage error naming the problem", async () => {
    const bad = await acr(["parts", "scaffold", "Bad-Name"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"Bad-Name" is not a valid component name');
    const taken = await acr(["parts", "scaffold", "set"]);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain('a component named "set" already exists');
    const lang = await acr(["parts", "scaffold", "ok_name", "--lang", "rust"]);
    expect(lang.code).toBe(2);
    expect(lang.stderr).toContain("--lang must be assemblyscript or go");
    expect(existsSync(join(components, "ok_name"))).toBe(false);
  }, 120_000);

  it("outside an arcrun checkout is a clear error", async () => {
    const r = await acr(["component", "build", "set"], tmpdir());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("is not inside an arcrun checkout");
  }, 60_000);
});

describe("scaffold → build → test (AssemblyScript)", () => {
  it("the scaffolded component builds, passes its own cases, and a wrong case is a ✗ with a diff", async () => {
    const made = await acr(["parts", "scaffold", asName]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain(`acr component build ${asName}`);
    expect(made.stdout).toContain(`acr component test ${asName}`);
    const dir = join(components, asName);
    expect(readdirSync(dir).sort()).toEqual(["README.md", "cases.json", "component.json", "main.ts"]);
    const manifest = JSON.parse(readFileSync(join(dir, "component.json"), "utf8"));
    expect(manifest).toMatchObject({ name: asName, version: "0.1.0", capabilities: [], allowed_hosts: [] });

    const built = await acr(["component", "build", asName]);
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toContain(`building 1/1 ${asName}`);
    expect(built.stdout).toMatch(/built \d+\.\d KB \(\d+ bytes\)/);
    expect(existsSync(join(builds, asName, `${asName}.wasm`))).toBe(true);

    // The generated cases plus one that must fail: one run shows both outcomes.
    const cases = JSON.parse(readFileSync(join(dir, "cases.json"), "utf8")) as { name: string }[];
    expect(cases.length).toBeGreaterThanOrEqual(2);
    const wrong = { name: "deliberately wrong", input: { name: "Ada" }, expect: { data: { message: "Bye, Ada!" } } };
    writeFileSync(join(dir, "cases.json"), JSON.stringify([...cases, wrong], null, 2));
    const tested = await acr(["component", "test", asName, "--local"]);
    for (const c of cases) expect(tested.stdout).toContain(`✓ ${c.name}`);
    expect(tested.stdout).toContain("✗ deliberately wrong");
    expect(tested.stdout).toContain("Bye, Ada!");
    expect(tested.stdout).toContain("Hello, Ada!");
    expect(tested.stdout).toContain(`1 of ${cases.length + 1} failed`);
    expect(tested.code).toBe(1);

    // A configured platform runs the executor bundled before this component was built: testing there would
    // report the old code's results, so acr refuses, before any request, and says what to do.
    const stale = await acr(["component", "test", asName], root, {
      ARCRUN_URL: "http://127.0.0.1:9",
      ARCRUN_API_KEY: "acr_unused",
    });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(`runs an older build of "${asName}"`);
    expect(stale.stderr).toContain("--local");
  }, 900_000);

  it("a compile error fails the build with the compiler's message at file:line:col", async () => {
    const main = join(components, asName, "main.ts");
    writeFileSync(main, readFileSync(main, "utf8").replace("needString(", "needStrin("));
    const r = await acr(["component", "build", asName]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Cannot find name 'needStrin'");
    expect(r.stderr).toMatch(new RegExp(`registry/components/${asName}/main\\.ts:\\d+:\\d+`));
  }, 300_000);
});

describe.skipIf(!existsSync(GO))("scaffold → test (Go)", () => {
  it("the Go scaffold builds with the Go SDK and passes its cases", async () => {
    const made = await acr(["parts", "scaffold", goName, "--lang", "go"]);
    expect(made.code, made.stderr).toBe(0);
    expect(existsSync(join(components, goName, "main.go"))).toBe(true);
    const tested = await acr(["component", "test", goName, "--local", "--json"]);
    expect(tested.code, tested.stderr).toBe(0);
    const report = JSON.parse(tested.stdout) as { passed: number; failed: number };
    expect(report.failed).toBe(0);
    expect(report.passed).toBeGreaterThanOrEqual(2);
  }, 900_000);
});

describe("case checking and diagnostics", () => {
  it("checkCase passes a match and explains a mismatch", () => {
    const c = { name: "x", input: {}, expect: { data: { a: 1 } } };
    expect(checkCase(c, { status: "succeeded", data: { a: 1 } })).toBeNull();
    expect(checkCase(c, { status: "succeeded", data: { a: 2 } })).toMatch(/a: 2/);
    const e = { name: "e", input: {}, expect: { error: { code: "MISSING_FIELD" } } };
    expect(checkCase(e, { status: "failed", error: { code: "MISSING_FIELD" } })).toBeNull();
    expect(checkCase(e, { status: "succeeded", data: {} })).toContain("expected error MISSING_FIELD");
  });

  it("compilerLocations rewrites asc and go positions to checkout paths", () => {
    expect(compilerLocations("└─ in components/x/main.ts(5,3)", "x")).toBe("└─ at registry/components/x/main.ts:5:3");
    expect(compilerLocations("./main.go:20:14: bad", "x")).toBe("registry/components/x/main.go:20:14: bad");
  });
});

describe("docs/components.md", () => {
  it("lists every built-in component with its manifest's purpose and inputs (regenerate: npx tsx scripts/components-doc.mjs)", () => {
    const r = spawnSync(process.execPath, [join(root, "scripts", "components-doc.mjs"), "--check"], {
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
