import { afterEach, describe, expect, it, vi } from "vitest";
import { log, tenantTag } from "./log";

afterEach(() => vi.restoreAllMocks());

describe("structured logs", () => {
  it("one JSON line with context; secret-looking fields redacted, long strings cut", () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((s: string) => lines.push(s));
    log(
      "error",
      "host_call_failed",
      { request_id: "r1", execution_id: "ex1", tenant: tenantTag("ab".repeat(32)) },
      { api_key: "acr_secret", Authorization: "Bearer x", token: "t", fn: "http_request", body: "y".repeat(600) },
    );
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? "") as Record<string, string>;
    expect(line).toMatchObject({ level: "error", event: "host_call_failed", request_id: "r1", execution_id: "ex1" });
    expect(line.tenant).toBe("abababababab");
    expect(line.fn).toBe("http_request");
    expect(line.body?.length).toBe(501);
    expect(lines[0]).not.toMatch(/acr_secret|Bearer x/);
    expect(line.api_key).toBe("[redacted]");
  });
});
