import { catalog } from "../catalog";

export function Components() {
  return (
    <section className="mx-auto max-w-6xl px-6 py-16">
      <h2 className="text-3xl font-bold">Built-in components</h2>
      <p className="mt-3 text-stone-300">
        Each is a small AssemblyScript program compiled to WASM: stdin JSON in, stdout JSON out, and the world only
        through the <code className="font-mono text-arc">u6u</code> host functions. Integrations (Slack, Gmail, Sheets,
        Telegram, LINE, GitHub…) are recipes run by <code className="font-mono">http_request</code> with an auth
        component.
      </p>
      <ul className="mt-8 grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
        {catalog.map((c) => (
          <li key={c.name} className="rounded-lg border border-stone-800 p-4">
            <p className="font-mono font-semibold">{c.name}</p>
            <p className="mt-1 text-sm text-stone-400">{c.description}</p>
            {c.capabilities.length > 0 && (
              <p className="mt-2 font-mono text-xs text-arc">host: {c.capabilities.join(", ")}</p>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
