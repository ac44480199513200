import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AcrProcess, freePort, running, type StartLine } from "./support/acr-process";

// Ctrl-C in a terminal sends SIGINT to the whole foreground process group: `acr dev` (what `npm start` runs) and
// its workerd. Only acr may act on it: it drains the executor (executions in flight finish and are recorded),
// then stops workerd. Before, workerd got the signal too and stopped at once, cutting every execution in flight.

let acr: AcrProcess | undefined;
let upstream: Server | undefined;
afterEach(async () => {
  await acr?.stop("SIGKILL");
  acr = undefined;
  upstream?.closeAllConnections();
  upstream?.close();
});

/** A local service answering after `delayMs`; `reached` resolves when the first request arrives. */
async function slowService(delayMs: number) {
  let reached: () => void = () => {};
  const seen = new Promise<void>((r) => {
    reached = r;
  });
  upstream = createServer((_req, res) => {
    reached();
    setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end('{"slow":true}'), delayMs);
  });
  await new Promise<void>((r) => upstream?.listen(0, "127.0.0.1", () => r()));
  return { port: (upstream.address() as { port: number }).port, seen };
}

/** `acr dev` as a shell starts it (its own process group), with a workflow calling the slow service. */
async function devWithSlowWorkflow(servicePort: number) {
  const cwd = mkdtempSync(join(tmpdir(), "arcrun-ctrl-c-"));
  const port = await freePort();
  const args = ["--json", "dev", "--port", String(port), "--state", join(cwd, "state"), "--allow-host", "127.0.0.1"];
  acr = AcrProcess.spawn(args, cwd, {}, { ownGroup: true });
  const dev = await acr.waitForJson<StartLine>();
  const auth = { authorization: `Bearer ${dev.apiKey}` };
  const consent = { confirmed_by_human: true, understood: true, confirmed_at: new Date().toISOString() };
  const put = await fetch(`${dev.url}/v1/workflows/slow_call`, {
    method: "PUT",
    headers: { ...auth, "content-type": "application/yaml", "x-arcrun-exposure-consent": JSON.stringify(consent) },
    body: `name: slow_call\nflow:\n  - input >> ON_SUCCESS >> call\nconfig:\n  call:\n    component: http_request\n    method: GET\n    url: "http://127.0.0.1:${servicePort}/slow"\n`,
  });
  expect(put.status, await put.text()).toBeLessThan(300);
  const run = () =>
    fetch(`${dev.url}/webhooks/named/${dev.ns}/slow_call/trigger`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: "{}",
    });
  return { dev, run, auth, cwd };
}

describe("Ctrl-C on acr dev (SIGINT to the whole process group)", () => {
  it("lets the execution in flight finish and be recorded, then stops workerd and exits 0", async () => {
    const service = await slowService(1_500);
    const { dev, run, auth, cwd } = await devWithSlowWorkflow(service.port);
    const answer = run();
    await service.seen;
    const code = await acr?.stopGroup("SIGINT");

    const res = await answer;
    const body = (await res.json()) as { status: string; execution_id: string };
    expect(res.status).toBe(200);
    expect(body.status).toBe("succeeded");
    expect(code).toBe(0);
    expect(acr?.err).not.toMatch(/drain did not finish|stopped unexpectedly/);
    expect(running(dev.pid)).toBe(false);

    // The execution's record is on disk: a restart shows it succeeded.
    const restarted = AcrProcess.spawn(["--json", "dev", "--port", "0", "--state", join(cwd, "state")], cwd);
    acr = restarted;
    const again = await restarted.waitForJson<StartLine>();
    const rec = await fetch(`${again.url}/v1/executions/${body.execution_id}`, { headers: auth });
    expect(await rec.json()).toMatchObject({ status: "succeeded" });
  }, 120_000);

  it("a second Ctrl-C stops at once and leaves no workerd behind", async () => {
    const service = await slowService(60_000);
    const { dev, run } = await devWithSlowWorkflow(service.port);
    void run().catch(() => undefined);
    await service.seen;
    const started = Date.now();
    const stopped = acr?.stopGroup("SIGINT");
    await new Promise((r) => setTimeout(r, 300));
    process.kill(-(acr?.child.pid ?? 0), "SIGINT");
    expect(await stopped).toBe(130);
    expect(Date.now() - started).toBeLessThan(10_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(running(dev.pid)).toBe(false);
  }, 120_000);
});
