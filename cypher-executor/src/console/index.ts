/**
 * The console at `/console`, served from the API's own origin (no CORS): the built files come from the
 * `CONSOLE` service binding (the generated `landing/dist-console/worker.js`: a service worker under
 * `acr dev` / `acr serve`, a Worker of its own on Cloudflare). Deep links (`/console/workflows/x`) get
 * the app's index.html; `/` redirects to the console.
 */
import type { Hono } from "hono";
import type { AppEnv } from "../app-env";

/** Headers every console response carries: no framing, no sniffing, no referrer, scripts from here only. */
const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/**
 * Registers `GET /`, `GET /console` and `GET /console/*`.
 *
 * @example
 * registerConsole(app); // before the 404 handler; paths never overlap /v1
 */
export function registerConsole(app: Hono<AppEnv>): void {
  app.get("/", (c) => c.redirect("/console/", 302));
  app.get("/console", (c) => c.redirect("/console/", 301));
  app.get("/console/*", async (c) => {
    const assets = c.env.CONSOLE;
    if (!assets) {
      return c.json(
        { error: { code: "CONSOLE_NOT_BUILT", message: "The console is not built: run `npm run build`" } },
        404,
      );
    }
    const url = new URL(c.req.url);
    let res = await assets.fetch(new Request(url, { method: "GET" }));
    // A client-side route (no file extension) answers the app's shell.
    if (res.status === 404 && !/\.[a-z0-9]+$/i.test(url.pathname)) {
      res = await assets.fetch(new Request(new URL("/console/index.html", url), { method: "GET" }));
    }
    const out = new Response(res.body, res);
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) out.headers.set(k, v);
    return out;
  });
}
