import { afterAll, describe, expect, it } from "vitest";
import { checkDestination, isPrivateHost } from "../../src/runtime/host/ssrf";
import { isOperatorAllowed } from "../../src/runtime/net";
import { reportFigures } from "./support/summary";

// Every spelling of an inside address the WHATWG URL parser lets through, as a component would write it.
export const REFUSED_URLS = [
  "http://127.0.0.1/",
  "http://127.1/",
  "http://2130706433/",
  "http://0x7f000001/",
  "http://0x7f.0.0.1/",
  "http://0177.0.0.1/",
  "http://017700000001/",
  "http://0/",
  "http://0.0.0.0/",
  "http://10.0.0.1/",
  "http://172.16.5.4/",
  "http://192.168.1.1/",
  "http://169.254.169.254/latest/meta-data/",
  "http://100.64.0.1/",
  "http://[::1]/",
  "http://[::]/",
  "http://[0:0:0:0:0:0:0:1]/",
  "http://[::ffff:127.0.0.1]/",
  "http://[::ffff:7f00:1]/",
  "http://[::ffff:0:7f00:1]/",
  "http://[0:0:0:0:0:ffff:7f00:1]/",
  "http://[::127.0.0.1]/",
  "http://[::7f00:1]/",
  "http://[::ffff:a9fe:a9fe]/",
  "http://[::ffff:169.254.169.254]/",
  "http://[64:ff9b::7f00:1]/",
  "http://[64:ff9b::a9fe:a9fe]/",
  "http://[2002:7f00:1::]/",
  "http://[2002:a9fe:a9fe::1]/",
  "http://[fc00::1]/",
  "http://[fd12:3456::1]/",
  "http://[fe80::1]/",
  "http://[fec0::1]/",
  "http://[ff02::1]/",
  "http://localhost/",
  "http://localhost./",
  "http://LOCALHOST./",
  "http://foo.localhost/",
  "http://metadata.google.internal/",
  "http://metadata.google.internal./",
  "http://metadata.google.internal../",
  "http://printer.local./",
  "http://router.lan/",
  "http://intranet/",
  "http://intranet./",
  "http://%6c%6f%63%61%6c%68%6f%73%74/",
  "http://127.0.0.1.nip.io.localhost/",
  "http://user:pass@example.com/",
  "file:///etc/passwd",
  "gopher://example.com/",
];

export const ALLOWED_URLS = [
  "https://api.example.com/",
  "https://api.example.com./",
  "http://8.8.8.8/",
  "http://[2606:4700::1111]/",
  "http://[::ffff:8.8.8.8]/",
];

const opts = { allowHosts: [], allowedHosts: ["*"] };

const tally = { tried: 0, refused: 0, reached: 0 };
afterAll(() =>
  reportFigures("SSRF: every spelling of private and metadata hosts", {
    tried: tally.tried,
    refused: tally.refused,
    breaches: tally.reached,
    note: `${ALLOWED_URLS.length} public spellings let through to the resolution check`,
  }),
);

describe("SSRF spelling table", () => {
  it.each(REFUSED_URLS)("refuses %s", (u) => {
    tally.tried++;
    let refused = false;
    try {
      checkDestination(new URL(u), opts);
    } catch {
      refused = true;
    }
    if (refused) tally.refused++;
    else tally.reached++;
    expect(() => checkDestination(new URL(u), opts)).toThrow(/SSRF_BLOCKED|refused|private|only reaches/);
  });
  it.each(ALLOWED_URLS)("lets %s through to the network check", (u) => {
    expect(() => checkDestination(new URL(u), opts)).not.toThrow();
  });
  it("an IPv6 literal we cannot read is refused, not guessed", () => {
    expect(isPrivateHost("1:2:3:4:5:6:7:8:9")).toBe(true);
  });
  it("operator allow-lists are exact host or host:port: allowing one host opens nothing else", () => {
    const env = { ARCRUN_ALLOW_HOSTS: "db.internal:5432, 127.0.0.1:8080" };
    expect(isOperatorAllowed(env, new URL("http://db.internal:5432/"))).toBe(true);
    expect(isOperatorAllowed(env, new URL("http://db.internal.:5432/"))).toBe(true);
    expect(isOperatorAllowed(env, new URL("http://db.internal:5433/"))).toBe(false);
    expect(isOperatorAllowed(env, new URL("http://x.db.internal:5432/"))).toBe(false);
    expect(isOperatorAllowed(env, new URL("http://127.0.0.1:8081/"))).toBe(false);
    expect(isOperatorAllowed(env, new URL("http://10.0.0.1:8080/"))).toBe(false);
    expect(() =>
      checkDestination(new URL("http://127.0.0.2:8080/"), { allowHosts: ["127.0.0.1:8080"], allowedHosts: ["*"] }),
    ).toThrow(/SSRF_BLOCKED|refused/);
    expect(() =>
      checkDestination(new URL("http://127.0.0.1:8080/"), { allowHosts: ["127.0.0.1:8080"], allowedHosts: ["*"] }),
    ).not.toThrow();
  });
});
