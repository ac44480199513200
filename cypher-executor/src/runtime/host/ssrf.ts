import type { Env } from "../../env";
import { HostError } from "../../lib/wasi-shim";
import { isOperatorAllowed, normalizeHost } from "../net";

/**
 * Refuses destinations a component must not reach: other schemes, private, loopback, link-local,
 * metadata and internal names (SSRF_BLOCKED) unless the operator listed the host in
 * `ARCRUN_ALLOW_HOSTS`; and hosts outside the component's `allowed_hosts` (HOST_NOT_ALLOWED).
 * The WHATWG URL parser has already normalized odd IPv4 spellings (`0x7f.1`, `2130706433`).
 *
 * @example
 * checkDestination(new URL("http://169.254.169.254/"), { allowHosts: [], allowedHosts: ["*"] }); // throws SSRF_BLOCKED
 */
export function checkDestination(
  url: URL,
  opts: { allowHosts: string[]; allowedHosts: string[]; env?: Pick<Env, "ARCRUN_ALLOW_HOSTS"> },
): void {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new HostError("SSRF_BLOCKED", `http_request only reaches http and https URLs, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new HostError("SSRF_BLOCKED", "URLs with user:password@ are refused; send credentials in a header");
  }
  const host = normalizeHost(url.hostname);
  const bare = host.startsWith("[") ? host.slice(1, -1) : host;
  const operatorAllowed = isOperatorAllowed(opts.env ?? { ARCRUN_ALLOW_HOSTS: opts.allowHosts.join(",") }, url);
  if (!operatorAllowed && isPrivateHost(bare)) {
    throw new HostError("SSRF_BLOCKED", `http_request refused ${host}: private, loopback or internal address`);
  }
  if (!opts.allowedHosts.some((pattern) => hostMatches(normalizeHost(pattern), bare))) {
    throw new HostError(
      "HOST_NOT_ALLOWED",
      `${host} is not in this component's allowed_hosts (${opts.allowedHosts.join(", ") || "none"})`,
    );
  }
}

/** `*` = any host; `*.example.com` = any subdomain; otherwise an exact name. */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === "*") return true;
  if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1));
  return pattern === host;
}

const INTERNAL_SUFFIXES = [".localhost", ".internal", ".local", ".home.arpa", ".lan", ".intranet", ".corp"];

/**
 * True for names and literal addresses that point inside a network rather than at the internet:
 * every IPv4-mapped, -compatible, SIIT, NAT64 and 6to4 spelling of a private IPv4 included. Names are
 * judged by spelling only here; what they resolve to is judged by the network path (`runtime/net`).
 *
 * @example
 * isPrivateHost("::ffff:0:7f00:1"); // true
 */
export function isPrivateHost(hostname: string): boolean {
  let host = normalizeHost(hostname);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (host === "" || host === "localhost" || INTERNAL_SUFFIXES.some((s) => host.endsWith(s))) return true;
  const v4 = parseIPv4(host);
  if (v4) return isPrivateIPv4(v4);
  if (host.includes(":")) {
    const v6 = parseIPv6(host);
    return v6 ? isPrivateIPv6(v6) : true; // an address we cannot read is not reached
  }
  // A single-label name resolves through local search domains only.
  return !host.includes(".");
}

/** Dotted-quad IPv4 (the WHATWG URL parser has already turned hex, octal and decimal spellings into it). */
function parseIPv4(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  return parts.every((p) => p <= 255) ? parts : null;
}

function isPrivateIPv4([a, b]: number[]): boolean {
  if (a === undefined || b === undefined) return true;
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224
  );
}

/** Eight 16-bit groups, or null; accepts `::`, an embedded dotted IPv4 tail and a `%zone`. */
export function parseIPv6(text: string): number[] | null {
  let h = text.split("%")[0] ?? "";
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (tail) {
    const v4 = parseIPv4(tail[1] as string);
    if (!v4) return null;
    h = `${h.slice(0, -(tail[1] as string).length)}${((v4[0] as number) * 256 + (v4[1] as number)).toString(16)}:${((v4[2] as number) * 256 + (v4[3] as number)).toString(16)}`;
  }
  const halves = h.split("::");
  if (halves.length > 2) return null;
  const read = (part: string) => (part === "" ? [] : part.split(":"));
  const head = read(halves[0] ?? "");
  const rest = halves.length === 2 ? read(halves[1] ?? "") : [];
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  if (fill < 0 || (halves.length === 1 && head.length !== 8)) return null;
  const groups = [...head, ...Array<string>(fill).fill("0"), ...rest];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => Number.parseInt(g, 16));
}

function v4Of(hi: number, lo: number): number[] {
  return [hi >> 8, hi & 255, lo >> 8, lo & 255];
}

function isPrivateIPv6(g: number[]): boolean {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const zeroTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroTo(8)) return true; // ::
  if (zeroTo(7) && g7 === 1) return true; // ::1
  // ::a.b.c.d (compatible), ::ffff:a.b.c.d (mapped), ::ffff:0:a.b.c.d (SIIT): judge the IPv4 inside.
  if (zeroTo(5) && (g5 === 0 || g5 === 0xffff)) return isPrivateIPv4(v4Of(g6, g7));
  if (zeroTo(4) && g4 === 0xffff && g5 === 0) return isPrivateIPv4(v4Of(g6, g7));
  // 64:ff9b::/96 and 64:ff9b:1::/48 (NAT64) carry the IPv4 in the last 32 bits.
  if (g0 === 0x64 && g1 === 0xff9b) return isPrivateIPv4(v4Of(g6, g7));
  // 2002::/16 (6to4) carries it in bits 16-47.
  if (g0 === 0x2002) return isPrivateIPv4(v4Of(g1, g2));
  // 2001:0::/32 (Teredo) carries the client's IPv4 inverted in the last 32 bits.
  if (g0 === 0x2001 && g1 === 0) return isPrivateIPv4(v4Of(g6 ^ 0xffff, g7 ^ 0xffff));
  void g3;
  return (
    (g0 & 0xfe00) === 0xfc00 || // fc00::/7 unique local (fd00::/8 included)
    (g0 & 0xffc0) === 0xfe80 || // fe80::/10 link-local
    (g0 & 0xffc0) === 0xfec0 || // fec0::/10 site-local (deprecated, still routed inside)
    (g0 & 0xff00) === 0xff00 || // multicast
    (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) // 100::/64 discard
  );
}
