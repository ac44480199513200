import { Code } from "./Code";

const quickstart = `git clone <your fork of arcrun> && cd arcrun
npm ci && npm start     # local platform on workerd, 127.0.0.1:8787, no account needed
npm test                # the whole suite: real workers, real wasm, real KV`;

export function Hero() {
  return (
    <header className="mx-auto grid max-w-6xl gap-10 px-6 pt-20 pb-16 md:grid-cols-2 md:items-center">
      <div>
        <p className="font-mono text-sm text-arc">open source · self-hosted · Cloudflare Workers &amp; workerd</p>
        <h1 className="mt-4 text-4xl font-bold tracking-tight md:text-5xl">
          Workflow automation where every step is a sandboxed WASM component.
        </h1>
        <p className="mt-6 text-lg text-stone-300">
          Like n8n or Zapier, but it runs in <strong>your own Cloudflare account</strong> (or any Linux box), workflows
          are a graph in YAML, and credentials are encrypted on your machine: component code never sees them in the
          clear.
        </p>
        <div className="mt-8 flex flex-wrap gap-3">
          <a className="rounded-lg bg-arc px-5 py-3 font-semibold text-stone-950 hover:opacity-90" href="#start">
            Start in two commands
          </a>
          <a
            className="rounded-lg border border-stone-700 px-5 py-3 font-semibold hover:border-stone-500"
            href="#deploy"
          >
            Deploy to Cloudflare
          </a>
        </div>
      </div>
      <div id="start">
        <Code title="shell">{quickstart}</Code>
      </div>
    </header>
  );
}
