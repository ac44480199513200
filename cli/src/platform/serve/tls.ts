import { existsSync, readFileSync } from "node:fs";

/** Where Debian/Ubuntu, Fedora/RHEL, Alpine and macOS keep the system's CA bundle. */
const SYSTEM_BUNDLES = [
  "/etc/ssl/certs/ca-certificates.crt",
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/ca-bundle.pem",
  "/etc/ssl/cert.pem",
];

const PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The CA certificates `acr serve`'s outbound TLS trusts besides workerd's built-in browser CAs: the
 * system bundle (so a company CA installed with `update-ca-certificates` works), `SSL_CERT_FILE` and
 * `NODE_EXTRA_CA_CERTS` (the variables operators already set for Node and OpenSSL).
 *
 * @example
 * const certs = systemCaCertificates(process.env); // ["-----BEGIN CERTIFICATE-----\n…", …]
 */
export function systemCaCertificates(env: Record<string, string | undefined>): string[] {
  const files = [SYSTEM_BUNDLES.find((f) => existsSync(f)), env.SSL_CERT_FILE, env.NODE_EXTRA_CA_CERTS];
  const seen = new Set<string>();
  for (const file of files) {
    if (!file || !existsSync(file)) continue;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue; // an unreadable bundle leaves workerd's browser CAs, as before
    }
    for (const m of text.matchAll(PEM)) seen.add(m[0]);
  }
  return [...seen];
}
