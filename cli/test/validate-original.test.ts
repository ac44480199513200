import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runAcr } from "./support/acr-process";

// `acr validate` prints the data-flow warnings of original-style workflows with file:line:column.
const fixtures = join(import.meta.dirname, "..", "..", "cypher-executor", "test", "fixtures", "original");

describe("acr validate on original arcrun workflows", () => {
  it("prints LEGACY_HTTP_FIELD, UNKNOWN_OUTPUT_FIELD and DEPRECATED_COMPONENT warnings and exits 0", async () => {
    const home = mkdtempSync(join(tmpdir(), "arcrun-validate-"));
    const legacy = await runAcr(["validate", join(fixtures, "graph-query.yaml"), "--offline"], { home });
    expect(legacy.code).toBe(0);
    expect(legacy.stderr).toContain(
      'graph-query.yaml:14:20  warning LEGACY_HTTP_FIELD  "fetch" is an http_request: http_request answers status, ok, headers, body, json, body_base64; "records" is read from its JSON body (did you mean "fetch.data.json.records"?)',
    );
    expect(legacy.stderr).toContain("warning DEPRECATED_COMPONENT");
    expect(legacy.stdout).toContain("is a valid workflow (3 warnings)");

    const typo = await runAcr(["validate", join(fixtures, "typo.yaml"), "--offline"], { home });
    expect(typo.code).toBe(0);
    expect(typo.stderr).toContain(
      'typo.yaml:13:14  warning UNKNOWN_OUTPUT_FIELD  "pick" never outputs "cuont": filter answers items, count, total (did you mean "pick.data.count"?)',
    );

    const code = await runAcr(["validate", join(fixtures, "skip-templates-in-code.yaml"), "--offline"], { home });
    expect(code.code).toBe(0);
    expect(code.stderr).toBe("");
  });
});
