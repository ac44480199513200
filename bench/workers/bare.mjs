// The ceiling: the benchmark's 3-node computation ({"n":21} → n*2 plus a field) in plain JS, no engine,
// no WASM, no KV. Whatever arcrun does per execution is measured against this.
export default {
  async fetch(request) {
    if (request.method !== "POST") return new Response('POST {"n": 21}', { status: 405 });
    const input = await request.json();
    const n = Number(input.n);
    return Response.json({ n, doubled: n * 2, via: "bare-worker" });
  },
};
