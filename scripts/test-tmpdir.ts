import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Vitest global setup: one temporary folder per test run, made the run's TMPDIR (so every test's `mkdtempSync`,
 * every `acr`, workerd, Miniflare and Chromium they start, writes under it), removed when the run ends. Without it
 * a run left ~1 GB of state folders, clones and installs in the system's temporary folder, every time.
 *
 * @example
 * // vitest.config.ts
 * export default defineConfig({ test: { globalSetup: ["scripts/test-tmpdir.ts"] } });
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), "arcrun-test-run-"));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}
