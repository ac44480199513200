// Runs inside `unshare -rmn`: only loopback exists and /etc/hosts is this test's fake resolver.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { exposureConsent, startTestPlatform } from "../support/platform";

const listen = async () => {
  const s = createServer((_q, r) => r.end("REACHED-LISTENER"));
  await new Promise<void>((ok) => s.listen(0, "127.0.0.1", ok));
  return { s, port: (s.address() as AddressInfo).port };
};
const a = await listen();
const b = await listen();
const p = await startTestPlatform({ allowHosts: [`allowed.test:${a.port}`] });
const urls = [
  `http://evil.test:${a.port}/`, // a public-looking name resolving to 127.0.0.1
  `http://evil.test.:${a.port}/`,
  `http://rebind.test:${a.port}/`, // resolves to 10.0.0.1 and 127.0.0.1
  `http://allowed.test:${b.port}/`, // allowed name, other port
  `http://allowed.test:${a.port}/`, // the one exact host:port the operator allowed
];
const out: Record<string, { status: number; reached: boolean; code?: string }> = {};
for (const url of urls) {
  const res = await p.call(
    "POST",
    "/v1/components/http_request/call",
    { input: { url, timeout_ms: 3000 } },
    exposureConsent(),
  );
  const text = await res.text();
  out[url] = {
    status: res.status,
    reached: text.includes("REACHED-LISTENER"),
    code: /"code":"([A-Z_]+)"/.exec(text)?.[1],
  };
}
process.stdout.write(`RESULT ${JSON.stringify(out)}\n`);
await p.dispose();
a.s.close();
b.s.close();
process.exit(0);
