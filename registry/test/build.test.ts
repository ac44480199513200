// registry/scripts/build.mjs refuses bad components with what and where (fixtures: registry/testdata/build-cases).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without types
import { buildComponents } from "../scripts/build.mjs";

const fixtures = join(__dirname, "..", "testdata", "build-cases");
const out = mkdtempSync(join(tmpdir(), "arcrun-build-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

async function buildError(): Promise<string> {
  try {
    await buildComponents({ sets: [{ src: fixtures, out, shipped: false }], quiet: true });
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("the build did not fail");
}

describe("component build", () => {
  it("names each bad manifest field and each undeclared host import, with the component's folder", async () => {
    const message = await buildError();
    expect(message).toContain("registry/testdata/build-cases/bad_manifest");
    expect(message).toContain('field "version" must be a semver string');
    expect(message).toContain('field "description" must be a non-empty string');
    expect(message).toContain('field "capabilities" must be an array of http_request');
    expect(message).toContain("registry/testdata/build-cases/undeclared_import");
    expect(message).toContain('imports u6u.kv_get but component.json "capabilities" does not list it');
  }, 180_000);
});
