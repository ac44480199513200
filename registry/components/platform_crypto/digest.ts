// Hash functions over bytes: SHA-256 (FIPS 180-4), SHA-1 (FIPS 180-4), MD5 (RFC 1321), HMAC (RFC 2104).
// Written by hand because a wasip1 component has no Web Crypto; verified against the RFC/NIST vectors in cases.json.

const K256: StaticArray<u32> = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
];

const MD5_K: StaticArray<u32> = [
  0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501, 0x698098d8,
  0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340,
  0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87,
  0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
  0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039,
  0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92,
  0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
  0xeb86d391,
];

const MD5_S: StaticArray<u32> = [
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 4,
  11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
];

/** Merkle–Damgård padding: message, 0x80, zeros, 64-bit length (big or little endian). */
function pad(msg: Uint8Array, bigEndian: bool): Uint8Array {
  const len = msg.length;
  const total = ((len + 8) / 64 + 1) * 64;
  const out = new Uint8Array(total);
  out.set(msg);
  out[len] = 0x80;
  const bits = u64(len) * 8;
  for (let i = 0; i < 8; i++) {
    const byte = u8((bits >> (u64(i) * 8)) & 0xff);
    if (bigEndian) out[total - 1 - i] = byte;
    else out[total - 8 + i] = byte;
  }
  return out;
}

function be32(b: Uint8Array, i: i32): u32 {
  return (u32(b[i]) << 24) | (u32(b[i + 1]) << 16) | (u32(b[i + 2]) << 8) | u32(b[i + 3]);
}

function le32(b: Uint8Array, i: i32): u32 {
  return u32(b[i]) | (u32(b[i + 1]) << 8) | (u32(b[i + 2]) << 16) | (u32(b[i + 3]) << 24);
}

function putBe32(out: Uint8Array, i: i32, v: u32): void {
  out[i] = u8(v >> 24);
  out[i + 1] = u8(v >> 16);
  out[i + 2] = u8(v >> 8);
  out[i + 3] = u8(v);
}

/**
 * SHA-256 of `msg`.
 * @example sha256(bytesOf("abc")) // ba7816bf…f20015ad
 */
export function sha256(msg: Uint8Array): Uint8Array {
  const m = pad(msg, true);
  const h = new StaticArray<u32>(8);
  h[0] = 0x6a09e667;
  h[1] = 0xbb67ae85;
  h[2] = 0x3c6ef372;
  h[3] = 0xa54ff53a;
  h[4] = 0x510e527f;
  h[5] = 0x9b05688c;
  h[6] = 0x1f83d9ab;
  h[7] = 0x5be0cd19;
  const w = new StaticArray<u32>(64);
  for (let off = 0; off < m.length; off += 64) {
    for (let t = 0; t < 16; t++) w[t] = be32(m, off + t * 4);
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15];
      const y = w[t - 2];
      const s0 = rotr<u32>(x, 7) ^ rotr<u32>(x, 18) ^ (x >>> 3);
      const s1 = rotr<u32>(y, 17) ^ rotr<u32>(y, 19) ^ (y >>> 10);
      w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    let a = h[0],
      b = h[1],
      c = h[2],
      d = h[3],
      e = h[4],
      f = h[5],
      g = h[6],
      hh = h[7];
    for (let t = 0; t < 64; t++) {
      const S1 = rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25);
      const ch = (e & f) ^ (~e & g);
      const t1 = hh + S1 + ch + K256[t] + w[t];
      const S0 = rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = S0 + maj;
      hh = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) putBe32(out, i * 4, h[i]);
  return out;
}

/**
 * SHA-1 of `msg` (legacy interop only: not collision resistant).
 * @example sha1(bytesOf("abc")) // a9993e36…9cd0d89d
 */
export function sha1(msg: Uint8Array): Uint8Array {
  const m = pad(msg, true);
  let h0: u32 = 0x67452301,
    h1: u32 = 0xefcdab89,
    h2: u32 = 0x98badcfe,
    h3: u32 = 0x10325476,
    h4: u32 = 0xc3d2e1f0;
  const w = new StaticArray<u32>(80);
  for (let off = 0; off < m.length; off += 64) {
    for (let t = 0; t < 16; t++) w[t] = be32(m, off + t * 4);
    for (let t = 16; t < 80; t++) w[t] = rotl<u32>(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    let a = h0,
      b = h1,
      c = h2,
      d = h3,
      e = h4;
    for (let t = 0; t < 80; t++) {
      let f: u32, k: u32;
      if (t < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (t < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (t < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6;
      }
      const tmp = rotl<u32>(a, 5) + f + e + k + w[t];
      e = d;
      d = c;
      c = rotl<u32>(b, 30);
      b = a;
      a = tmp;
    }
    h0 += a;
    h1 += b;
    h2 += c;
    h3 += d;
    h4 += e;
  }
  const out = new Uint8Array(20);
  putBe32(out, 0, h0);
  putBe32(out, 4, h1);
  putBe32(out, 8, h2);
  putBe32(out, 12, h3);
  putBe32(out, 16, h4);
  return out;
}

/**
 * MD5 of `msg` (legacy interop only: broken for security).
 * @example md5(bytesOf("abc")) // 90015098…7f72
 */
export function md5(msg: Uint8Array): Uint8Array {
  const m = pad(msg, false);
  let a0: u32 = 0x67452301,
    b0: u32 = 0xefcdab89,
    c0: u32 = 0x98badcfe,
    d0: u32 = 0x10325476;
  const mw = new StaticArray<u32>(16);
  for (let off = 0; off < m.length; off += 64) {
    for (let t = 0; t < 16; t++) mw[t] = le32(m, off + t * 4);
    let a = a0,
      b = b0,
      c = c0,
      d = d0;
    for (let i = 0; i < 64; i++) {
      let f: u32, g: i32;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) % 16;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) % 16;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) % 16;
      }
      const k = MD5_K[i];
      const tmp = d;
      d = c;
      c = b;
      b = b + rotl<u32>(a + f + k + mw[g], MD5_S[i]);
      a = tmp;
    }
    a0 += a;
    b0 += b;
    c0 += c;
    d0 += d;
  }
  const out = new Uint8Array(16);
  const hs: StaticArray<u32> = [a0, b0, c0, d0];
  for (let i = 0; i < 4; i++) {
    const v = hs[i];
    out[i * 4] = u8(v);
    out[i * 4 + 1] = u8(v >> 8);
    out[i * 4 + 2] = u8(v >> 16);
    out[i * 4 + 3] = u8(v >> 24);
  }
  return out;
}

/** Which hash: "sha256" | "sha1" | "md5"; anything else is rejected by the caller first. */
export function digest(alg: string, msg: Uint8Array): Uint8Array {
  if (alg == "sha1") return sha1(msg);
  if (alg == "md5") return md5(msg);
  return sha256(msg);
}

/**
 * HMAC (RFC 2104) with a 64-byte block hash.
 * @example hmac("sha256", key, msg)
 */
export function hmac(alg: string, key: Uint8Array, msg: Uint8Array): Uint8Array {
  let k = key;
  if (k.length > 64) k = digest(alg, k);
  const ipad = new Uint8Array(64 + msg.length);
  const opadKey = new Uint8Array(64);
  for (let i = 0; i < 64; i++) {
    const kb: u8 = i < k.length ? k[i] : 0;
    ipad[i] = kb ^ 0x36;
    opadKey[i] = kb ^ 0x5c;
  }
  ipad.set(msg, 64);
  const inner = digest(alg, ipad);
  const outer = new Uint8Array(64 + inner.length);
  outer.set(opadKey);
  outer.set(inner, 64);
  return digest(alg, outer);
}
