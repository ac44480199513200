const items = [
  [
    "Encrypted on your machine",
    "acr credential set encrypts with AES-GCM-256 before upload; the credential name is bound as authenticated data.",
  ],
  [
    "Secrets by reference",
    "{{ credential.NAME }} stays a placeholder until the http_request host function fetches: plaintext never enters WASM memory.",
  ],
  [
    "One fresh sandbox per call",
    "Each step runs in a fresh WebAssembly instance with memory, output, host-call and CPU-fuel limits.",
  ],
  ["Tenants apart", "API keys are stored hashed; every KV key a component can read is scoped to its caller."],
  ["No SSRF", "Private, loopback, link-local and metadata addresses are refused before any fetch."],
  [
    "Your account, your data",
    "The installer reuses existing namespaces by name: an update can never swap your data for an empty store.",
  ],
];

export function Security() {
  return (
    <section className="border-y border-stone-800 bg-stone-900/40">
      <div className="mx-auto max-w-6xl px-6 py-16">
        <h2 className="text-3xl font-bold">Built so that a leak needs more than one mistake.</h2>
        <div className="mt-10 grid gap-6 md:grid-cols-3">
          {items.map(([title, text]) => (
            <article key={title} className="rounded-xl border border-stone-800 p-5">
              <h3 className="font-semibold">{title}</h3>
              <p className="mt-2 text-sm text-stone-300">{text}</p>
            </article>
          ))}
        </div>
      </div>
    </section>
  );
}
