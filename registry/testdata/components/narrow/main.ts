// Test-only: http_request from a component whose manifest allows api.example.com only.
import { HttpRequest, httpRequest, JSON, readInput, writeOutputRaw } from "../../../sdk/assemblyscript";

function main(): void {
  const input = readInput<JSON.Obj>();
  const req = new HttpRequest();
  req.url = input.get("url")!.get<string>();
  const res = httpRequest(req);
  writeOutputRaw('{"status":' + res.status.toString() + "}");
}

main();
