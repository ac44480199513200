import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without types
import { fetchOpenApi, renderApiDoc } from "./api-doc.mjs";

it("docs/api.md is the OpenAPI document the executor serves (regenerate: node scripts/api-doc.mjs)", async () => {
  const doc = await fetchOpenApi();
  expect(Object.keys(doc.paths).length).toBeGreaterThan(10);
  expect(readFileSync(join(import.meta.dirname, "..", "docs", "api.md"), "utf8")).toBe(renderApiDoc(doc));
});
