import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

// `acr dev` on a fresh folder: the examples are deployed into the dev key and the banner's curl runs one.
const bin = join(import.meta.dirname, "..", "dist", "bin.js");
let child: ChildProcess | undefined;

afterAll(async () => {
  const c = child;
  if (!c || c.exitCode !== null) return;
  await new Promise((resolve) => {
    c.on("exit", resolve);
    c.kill("SIGINT");
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

describe("acr dev seeds the examples", { timeout: 120_000 }, () => {
  it("prints a curl line that runs hello, and lists every example", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "arcrun-dev-ex-"));
    const port = await freePort();
    child = spawn(process.execPath, [bin, "dev", "--port", String(port), "--state", join(cwd, "state")], {
      cwd,
      env: { ...process.env, ARCRUN_URL: "", ARCRUN_API_KEY: "", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout?.on("data", (d) => {
      out += d;
    });
    child.stderr?.on("data", (d) => {
      err += d;
    });
    const deadline = Date.now() + 90_000;
    while (!out.includes("/hello/trigger") && Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`acr dev exited: ${err}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const line = out.split("\n").find((l) => l.includes("/hello/trigger"));
    expect(line, err).toBeDefined();
    // curl -s -H 'Authorization: Bearer K' -H 'content-type: application/json' -d '{"name":"Ada"}' URL
    const key = /Bearer (\S+?)'/.exec(line as string)?.[1] as string;
    const url = /(http:\/\/\S+\/trigger)/.exec(line as string)?.[1] as string;
    const body = /-d '([^']*)'/.exec(line as string)?.[1] as string;
    const res = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { output: unknown }).output).toEqual({ greeting: "Hello Ada", at: "hello" });

    const list = (await (
      await fetch(`http://127.0.0.1:${port}/v1/workflows`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as { workflows: { name: string }[] };
    expect(list.workflows.map((w) => w.name)).toEqual(
      expect.arrayContaining(["hello", "branching", "failures", "foreach", "subflow", "fanout-join"]),
    );
  });
});
