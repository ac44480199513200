import { kvGet, writeOutputRaw } from "../../../sdk/assemblyscript";

function main(): void {
  const v = kvGet("oauth2:x");
  writeOutputRaw(v === null ? "null" : "1");
}

main();
