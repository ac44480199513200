import { createServer } from "node:net";
import { UserError } from "../ui/errors.js";

/**
 * Fails fast when `host:port` cannot be bound, before workerd starts: workerd would print a crash dump
 * and Miniflare would wait on it forever. Port 0 (any free port) always passes.
 *
 * @example
 * await assertPortFree("127.0.0.1", 8787, "--port");
 */
export async function assertPortFree(host: string, port: number, flag: string): Promise<void> {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UserError(`${flag} ${port} is not a port number`, `Pass ${flag} with a number from 0 to 65535`, 2);
  }
  if (port === 0) return;
  const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    const srv = createServer();
    srv.once("error", (err: NodeJS.ErrnoException) => resolve(err));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(null)));
  });
  if (!error) return;
  if (error.code === "EADDRINUSE") {
    throw new UserError(
      `Port ${port} on ${host} is already in use (another acr dev, or another program)`,
      `Stop it (\`lsof -i :${port}\` shows which process), or pass ${flag} with another port (${flag === "--port" ? "--port 0" : `${host}:0`} picks a free one)`,
    );
  }
  throw new UserError(`Cannot listen on ${host}:${port}: ${error.message}`, `Pass ${flag} with another address`);
}
