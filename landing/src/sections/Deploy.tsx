import { Code } from "./Code";

// In the checkout of the hero (npm ci links acr): `npx acr` never reaches the npm registry there.
const deploy = `npx acr init --self-hosted
# checks your API token's permissions, creates (or reuses) 7 KV namespaces and an R2 bucket,
# generates your encryption key once, deploys the executor and the component workers,
# seeds the recipes, and prints your URL, API key and a first curl to try.

npx acr update              # new code over the same resources: your data stays`;

export function Deploy() {
  return (
    <section id="deploy" className="mx-auto grid max-w-6xl gap-10 px-6 py-16 md:grid-cols-2 md:items-center">
      <div>
        <h2 className="text-3xl font-bold">One command into your Cloudflare account.</h2>
        <p className="mt-4 text-stone-300">
          Or run it on any Linux box with <code className="font-mono">acr serve</code>: the same workers on plain
          workerd, with local persistent storage.
        </p>
      </div>
      <Code title="shell">{deploy}</Code>
    </section>
  );
}
