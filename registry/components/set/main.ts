// set: outputs its `values` when given, else its whole input (a pass-through that shapes data).
import { JSON, readInput, writeOutput } from "../../sdk/assemblyscript";

function main(): void {
  const input = readInput<JSON.Obj>();
  const values = input.get("values");
  if (values) writeOutput<JSON.Value>(values);
  else writeOutput<JSON.Obj>(input);
}

main();
