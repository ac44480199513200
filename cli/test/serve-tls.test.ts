import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { exposureConsent } from "../../cypher-executor/test/support/platform";
import { AcrProcess } from "./support/acr-process";

// A CA made at test time (never committed): serve must trust what the box trusts (here NODE_EXTRA_CA_CERTS,
// in production the system store) and talk TLS through workerd's outbound network service.
function makeCa(dir: string): { ca: string; key: string; cert: string } {
  const run = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  run(
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1"].concat([
      "-subj",
      "/CN=arcrun test CA",
    ]),
  );
  run(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=127.0.0.1"]);
  writeFileSync(join(dir, "ext.cnf"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n");
  run(
    [
      "x509",
      "-req",
      "-in",
      "srv.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "srv.pem",
    ].concat(["-days", "1", "-extfile", "ext.cnf"]),
  );
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  return { ca: join(dir, "ca.pem"), key: read("srv.key"), cert: read("srv.pem") };
}

let acr: AcrProcess | undefined;
let server: Server | undefined;
afterEach(async () => {
  await acr?.stop("SIGTERM");
  acr = undefined;
  server?.close();
});

describe("acr serve outbound HTTPS", () => {
  it("calls an https:// URL whose certificate chains to a CA the box trusts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "arcrun-tls-"));
    const { ca, key, cert } = makeCa(dir);
    server = createServer({ key, cert }, (req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ tls: true, path: req.url }));
    });
    await new Promise<void>((r) => server?.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    const env = {
      ...process.env,
      ARCRUN_URL: "",
      ARCRUN_API_KEY: "",
      NO_COLOR: "1",
      WRANGLER_SEND_METRICS: "false",
      NODE_EXTRA_CA_CERTS: ca,
    };
    acr = AcrProcess.spawn(
      ["--json", "serve", "--address", "127.0.0.1:0", "--state", join(dir, "state"), "--allow-host", "127.0.0.1"],
      dir,
      env,
    );
    const started = await acr.waitForJson<{ url: string; apiKey: string }>();
    const res = await fetch(`${started.url}/v1/components/http_request/call`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${started.apiKey}`,
        "content-type": "application/json",
        ...exposureConsent(),
      },
      body: JSON.stringify({ input: { url: `https://127.0.0.1:${port}/hello` } }),
    });
    const text = await res.text();
    expect(text).not.toContain("doesn't support HTTPS");
    expect(res.status, text).toBe(200);
    expect(text).toContain('\\"tls\\":true');
  }, 120_000);
});
