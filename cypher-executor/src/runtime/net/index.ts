import type { Env } from "../../env";

/**
 * Outbound fetch for everything a workflow makes the platform call (http_request, recipes, token
 * exchanges). The spelling checks in `host/ssrf.ts` cannot see what a name resolves to; the network
 * path below judges the address actually connected to:
 *
 * - Cloudflare: the Workers runtime resolves and refuses private, loopback and link-local addresses
 *   itself (a Worker cannot reach them), so the global `fetch` is the pinned connection.
 * - `acr dev` / `acr serve`: the executor's global outbound is a workerd network service allowing
 *   `public` only. workerd resolves the name, filters every address against that allow-list and
 *   connects to the address it checked (no second resolution), so `evil.example -> 127.0.0.1` fails.
 * - Hosts the operator listed (`--allow-host`, `ARCRUN_ALLOW_HOSTS`): exact `host` or `host:port`
 *   only, sent through `ARCRUN_PRIVATE_NET`, a second network service that may reach private and
 *   local addresses. Allowing one host does not open private ranges for any other name.
 *
 * @example
 * const res = await outboundFetch(env, new URL("https://api.example.com/"), { method: "GET" });
 */
export function outboundFetch(env: Env, url: URL, init: RequestInit): Promise<Response> {
  if (env.ARCRUN_PRIVATE_NET && isOperatorAllowed(env, url)) return env.ARCRUN_PRIVATE_NET.fetch(url, init);
  return fetch(url, init);
}

/** The operator's exact allow-list: `host` (any port) or `host:port`; a trailing dot is the same name. */
export function operatorAllowList(env: Pick<Env, "ARCRUN_ALLOW_HOSTS">): string[] {
  return (env.ARCRUN_ALLOW_HOSTS ?? "")
    .split(",")
    .map((h) => normalizeHost(h.trim()))
    .filter(Boolean);
}

/**
 * True when the operator named exactly this host (or this host:port).
 *
 * @example
 * isOperatorAllowed({ ARCRUN_ALLOW_HOSTS: "127.0.0.1:8080" }, new URL("http://127.0.0.1:9000/")); // false
 */
export function isOperatorAllowed(env: Pick<Env, "ARCRUN_ALLOW_HOSTS">, url: URL): boolean {
  const host = normalizeHost(url.hostname);
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const bare = host.startsWith("[") ? host.slice(1, -1) : host;
  return operatorAllowList(env).some((entry) => {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    if (!m) return entry === bare; // an unbracketed IPv6 literal
    const name = m[1] as string;
    return (name === host || name === bare) && (m[2] === undefined || m[2] === port);
  });
}

/** Lower case, without the trailing dot of a fully qualified name (`localhost.` is `localhost`). */
export function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/\.+$/, "");
}
