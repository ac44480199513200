import { HostError } from "../../lib/wasi-shim";

/**
 * Refuses destinations a component must not reach: other schemes, private, loopback, link-local,
 * metadata and internal names (SSRF_BLOCKED) unless the operator listed the host in
 * `ARCRUN_ALLOW_HOSTS`; and hosts outside the component's `allowed_hosts` (HOST_NOT_ALLOWED).
 * The WHATWG URL parser has already normalized odd IPv4 spellings (`0x7f.1`, `2130706433`).
 *
 * @example
 * checkDestination(new URL("http://169.254.169.254/"), { allowHosts: [], allowedHosts: ["*"] }); // throws SSRF_BLOCKED
 */
export function checkDestination(url: URL, opts: { allowHosts: string[]; allowedHosts: string[] }): void {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new HostError("SSRF_BLOCKED", `http_request only reaches http and https URLs, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new HostError("SSRF_BLOCKED", "URLs with user:password@ are refused; send credentials in a header");
  }
  const host = url.hostname.toLowerCase();
  const bare = host.startsWith("[") ? host.slice(1, -1) : host;
  const operatorAllowed = opts.allowHosts.some((h) => h === host || h === bare || h === url.host.toLowerCase());
  if (!operatorAllowed && isPrivateHost(bare)) {
    throw new HostError("SSRF_BLOCKED", `http_request refused ${host}: private, loopback or internal address`);
  }
  if (!opts.allowedHosts.some((pattern) => hostMatches(pattern.toLowerCase(), bare))) {
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

/** True for names and literal addresses that point inside a network rather than at the internet. */
export function isPrivateHost(host: string): boolean {
  if (host === "localhost" || INTERNAL_SUFFIXES.some((s) => host.endsWith(s))) return true;
  const v4 = parseIPv4(host);
  if (v4) return isPrivateIPv4(v4);
  if (host.includes(":")) return isPrivateIPv6(host);
  // A single-label name resolves through local search domains only.
  return !host.includes(".");
}

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

function isPrivateIPv6(host: string): boolean {
  const h = host.toLowerCase();
  if (h === "::" || h === "::1") return true;
  // IPv4-mapped / -compatible / NAT64 forms carry an IPv4 address in the last 32 bits.
  const mapped = /^(?:::ffff:|::|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(h);
  if (mapped) {
    const hi = Number.parseInt(mapped[1] ?? "0", 16);
    const lo = Number.parseInt(mapped[2] ?? "0", 16);
    return isPrivateIPv4([hi >> 8, hi & 255, lo >> 8, lo & 255]);
  }
  const dotted = /^(?:::ffff:|::)(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (dotted) return isPrivateIPv4(parseIPv4(dotted[1] ?? "") ?? []);
  const first = Number.parseInt(h.split(":")[0] || "0", 16);
  return (
    (first & 0xfe00) === 0xfc00 || // fc00::/7 unique local (fd00::/8 included)
    (first & 0xffc0) === 0xfe80 || // fe80::/10 link-local
    (first & 0xff00) === 0xff00 // multicast
  );
}
