// WASI preview1 imports used by the SDK (the component ABI: docs/component-abi.md).
// Only what a command-style component needs: stdin, stdout, stderr, exit, randomness.

@external("wasi_snapshot_preview1", "fd_read")
export declare function fd_read(fd: u32, iovs: usize, iovsLen: u32, nread: usize): u16;

@external("wasi_snapshot_preview1", "fd_write")
export declare function fd_write(fd: u32, iovs: usize, iovsLen: u32, nwritten: usize): u16;

@external("wasi_snapshot_preview1", "proc_exit")
export declare function proc_exit(code: u32): void;

@external("wasi_snapshot_preview1", "random_get")
export declare function random_get(buf: usize, len: usize): u16;

@external("wasi_snapshot_preview1", "clock_time_get")
export declare function clock_time_get(id: u32, precision: u64, time: usize): u16;

/** Milliseconds since the Unix epoch from the WASI realtime clock (the host's `Date.now()`). */
export function nowMs(): i64 {
  const buf = memory.data(8);
  clock_time_get(0, 1000, buf);
  return <i64>(load<u64>(buf) / 1000000);
}

/** `n` random bytes as lowercase hex, from WASI random_get. */
export function randomHex(n: i32): string {
  const buf = new Uint8Array(n);
  random_get(buf.dataStart, <usize>n);
  let out = "";
  for (let i = 0; i < n; i++) {
    const b = buf[i];
    out += (b < 16 ? "0" : "") + b.toString(16);
  }
  return out;
}

/** Writes all of `len` bytes at `ptr` to `fd`, looping over short writes. */
export function writeAll(fd: u32, ptr: usize, len: usize): void {
  const iov = memory.data(8);
  const written = memory.data(4);
  while (len > 0) {
    store<u32>(iov, <u32>ptr);
    store<u32>(iov, <u32>len, 4);
    if (fd_write(fd, iov, 1, written) != 0) return;
    const n = <usize>load<u32>(written);
    if (n == 0) return;
    ptr += n;
    len -= n;
  }
}

/** Writes a string as UTF-8 to `fd`. */
export function writeString(fd: u32, s: string): void {
  const buf = String.UTF8.encode(s);
  writeAll(fd, changetype<usize>(buf), <usize>buf.byteLength);
}

/** Reads all of stdin as bytes (the input JSON). No fixed buffer: it grows as needed. */
export function readStdin(): ArrayBuffer {
  let cap: i32 = 4096;
  let buf = new ArrayBuffer(cap);
  let size: i32 = 0;
  const iov = memory.data(8);
  const nread = memory.data(4);
  while (true) {
    if (size == cap) {
      cap <<= 1;
      const grown = new ArrayBuffer(cap);
      memory.copy(changetype<usize>(grown), changetype<usize>(buf), <usize>size);
      buf = grown;
    }
    store<u32>(iov, <u32>(changetype<usize>(buf) + <usize>size));
    store<u32>(iov, <u32>(cap - size), 4);
    if (fd_read(0, iov, 1, nread) != 0) break;
    const n = <i32>load<u32>(nread);
    if (n == 0) break;
    size += n;
  }
  return buf.slice(0, size);
}

/**
 * Replaces AssemblyScript's `env.abort` (asc `--use abort=…`): the message goes to stderr and the
 * component exits with code 134, which the runtime reports as COMPONENT_TRAPPED with that message.
 */
export function abortToStderr(message: string | null, fileName: string | null, line: u32, column: u32): void {
  let text = "abort: " + (message !== null ? message : "(no message)");
  if (fileName !== null) text += " at " + fileName + ":" + line.toString() + ":" + column.toString();
  writeString(2, text + "\n");
  proc_exit(134);
  unreachable();
}

/** Replaces `env.seed` (asc `--use seed=…`): Math.random seeded from WASI random_get. */
export function seedFromWasi(): f64 {
  const buf = memory.data(8);
  random_get(buf, 8);
  return <f64>(load<u64>(buf) >> 11);
}
