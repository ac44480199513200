import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AcrProcess, freePort } from "./support/acr-process";

// `acr dev` on a fresh folder: the examples are deployed into the dev key and the banner's curl runs one.
let acr: AcrProcess | undefined;

afterAll(async () => {
  await acr?.stop("SIGINT");
});

describe("acr dev seeds the examples", { timeout: 120_000 }, () => {
  it("prints a curl line that runs hello, lists every example but cron ones, and never brings back a deleted one", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "arcrun-dev-ex-"));
    const port = await freePort();
    acr = AcrProcess.spawn(["dev", "--port", String(port), "--state", join(cwd, "state")], cwd);
    const out = await acr.waitFor((o) => (o.includes("/hello/trigger") ? o : undefined), 90_000);
    const err = acr.err;
    const line = out.split("\n").find((l) => l.includes("/hello/trigger"));
    expect(line, err).toBeDefined();
    // curl -s -H 'Authorization: Bearer K' -H 'content-type: application/json' -d '{"name":"Ada"}' URL
    const key = /Bearer (acr_[0-9a-f]+)/.exec(line as string)?.[1] as string;
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
    // Cron examples are not deployed by default: they would fill a newcomer's history with heartbeats.
    expect(list.workflows.map((w) => w.name)).not.toContain("every-minute");

    // An example the user deleted stays deleted across a restart on the same state.
    const del = await fetch(`http://127.0.0.1:${port}/v1/workflows/branching`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${key}` },
    });
    expect(del.ok).toBe(true);
    await acr.stop("SIGINT");
    acr = AcrProcess.spawn(["dev", "--port", String(port), "--state", join(cwd, "state")], cwd);
    await acr.waitFor((o) => (o.includes("/hello/trigger") ? o : undefined), 90_000);
    const again = (await (
      await fetch(`http://127.0.0.1:${port}/v1/workflows`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as { workflows: { name: string }[] };
    const names = again.workflows.map((w) => w.name);
    expect(names).toContain("hello");
    expect(names).not.toContain("branching");
    expect(names).not.toContain("every-minute");
  });
});
