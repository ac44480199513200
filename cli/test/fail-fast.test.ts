import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, runAcr } from "./support/acr-process";

// Fail fast, with a cause and a fix: no workerd crash dump, no hang.
let busy: Server;
let port = 0;
beforeAll(async () => {
  busy = createServer();
  await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
  port = (busy.address() as { port: number }).port;
});
afterAll(() => new Promise((r) => busy.close(r)));

describe("acr fails fast", () => {
  for (const args of [
    (p: number, s: string) => ["dev", "--port", String(p), "--state", s],
    (p: number, s: string) => ["serve", "--address", `127.0.0.1:${p}`, "--state", s],
  ]) {
    it(`${args(0, "")[0]} on a busy port exits within 5 s, naming the port and the fix`, async () => {
      const home = mkdtempSync(join(tmpdir(), "arcrun-busy-"));
      const t0 = Date.now();
      const r = await runAcr(args(port, join(home, "state")), { home });
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(r.stderr).toContain("fix:");
      expect(r.stderr).toContain(args(0, "")[0] === "dev" ? "--port 0" : "127.0.0.1:0");
      expect(r.stderr).not.toMatch(/kj::Exception|stack:/);
    });
  }

  it("a platform that is not running: exit 1, says where it looked and how to start it", async () => {
    const home = mkdtempSync(join(tmpdir(), "arcrun-down-"));
    const url = `http://127.0.0.1:${await freePort()}`;
    const r = await runAcr(["whoami"], { home, env: { ARCRUN_URL: url, ARCRUN_API_KEY: "acr_x" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Cannot reach the arcrun platform at ${url}`);
    expect(r.stderr).toContain("acr dev");
  });
});
