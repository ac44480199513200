// Runs one autocannon load in its own process (so the harness's event loop never competes with the
// load generator), printing the result as JSON on stdout.
import autocannon from "autocannon";

const opts = JSON.parse(process.argv[2]);
const result = await autocannon({ ...opts, setupClient: undefined });
process.stdout.write(JSON.stringify(result));
