// Wrangler bundles `.wasm` imports as precompiled modules (the CompiledWasm rule).
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
