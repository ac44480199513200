/**
 * The `code` component's interpreter: QuickJS compiled to WASM (quickjs-emscripten's release-sync
 * build, a vetted third-party WASM build and the one exception to the AssemblyScript/TinyGo rule).
 * The .wasm is bundled at deploy time as a `WebAssembly.Module`: Cloudflare forbids compiling from bytes.
 */
import variantBase from "@jitl/quickjs-wasmfile-release-sync";
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSWASMModule } from "quickjs-emscripten-core";
// Copied there by the registry build (interpreterComponent in registry/scripts/build.mjs).
import wasmModule from "../../../../.component-builds/code/quickjs.wasm";

let loading: Promise<QuickJSWASMModule> | undefined;

/** The interpreter module, instantiated once per isolate; each call gets its own runtime and context. */
export function quickjs(): Promise<QuickJSWASMModule> {
  loading ??= newQuickJSWASMModuleFromVariant(newVariant(variantBase, { wasmModule }));
  return loading;
}

/** Drops the interpreter instance after a failure inside it; the next call instantiates a new one. */
export function resetQuickjs(): void {
  loading = undefined;
}
