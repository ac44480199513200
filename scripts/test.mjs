// `npm test`: builds what the tests run (components, executor bundle, CLI), then runs the whole
// suite: vitest (TypeScript, workers on workerd) and pytest (python-sdk) when Python is present.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { summaryFile } from "./test-summary.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
process.env.WRANGLER_SEND_METRICS = "false";
const args = process.argv.slice(2);

if (!process.env.ARCRUN_SKIP_BUILD) {
  execFileSync("npm", ["run", "build", "--silent"], { cwd: root, stdio: "inherit" });
  // Test-only components (probes for every host function, runaway loops …): never bundled into the executor.
  execFileSync("npm", ["run", "build:testdata", "-w", "registry", "--silent"], { cwd: root, stdio: "inherit" });
}

let failed = false;
if (existsSync(join(root, "python-sdk", "tests")) && !args.includes("--no-python")) {
  const ready = spawnSync("python3", ["-c", "import pytest, pytest_asyncio, cryptography, httpx"], {
    cwd: root,
    stdio: "ignore",
  });
  if (ready.status === 0) {
    const py = spawnSync("python3", ["-m", "pytest", "-q", "python-sdk/tests"], { cwd: root, stdio: "inherit" });
    if (py.status !== 0) failed = true;
  } else if (process.env.CI) {
    console.error(
      "python-sdk: pytest, pytest-asyncio, cryptography and httpx are required in CI (pip install -r python-sdk/requirements-dev.txt)",
    );
    failed = true;
  } else {
    console.warn("python-sdk tests skipped: pip install -r python-sdk/requirements-dev.txt to run them");
  }
}
// The security tests file their figures here; the table is printed after the run.
const summary = summaryFile();
const vitest = spawnSync(
  join(root, "node_modules", ".bin", "vitest"),
  ["run", ...args.filter((a) => a !== "--no-python")],
  {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, ARCRUN_TEST_SUMMARY: summary.path },
  },
);
if (vitest.status !== 0) failed = true;
summary.print();
summary.remove();
process.exit(failed ? 1 : 0);
