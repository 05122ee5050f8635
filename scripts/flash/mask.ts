/**
 * Hiding secrets (WiFi and broker passwords) in text before it is printed.
 * Masked: the data argument of every `atob("...")` (how the espruino CLI
 * sends file contents, which a board may echo), the secret itself, its
 * JSON-escaped and URL-encoded forms, and its base64 forms at each of the
 * three byte alignments, also split where the CLI cuts a file into chunks.
 */
export const MASK = "***";

/** Base64 runs shorter than this (under 3 bytes of a secret) are not masked: they would match unrelated text. */
const MIN_BASE64_RUN = 4;

/** The characters of base64(pad + bytes) that depend on `bytes` alone, for a pad of `a` bytes (0..2). */
function base64Core(bytes: Buffer, a: number): string {
  const b64 = Buffer.concat([Buffer.alloc(a), bytes])
    .toString("base64")
    .replace(/=+$/, "");
  const firstBit = 8 * a;
  const endBit = 8 * (a + bytes.length);
  let core = "";
  for (let j = 0; j < b64.length; j++) {
    if (6 * j >= firstBit && 6 * j + 6 <= endBit) core += b64[j];
  }
  return core;
}

/** Base64 forms of `bytes`: whole at each alignment, and each prefix (a chunk ends inside it) and suffix (a chunk starts inside it). */
function base64Forms(bytes: Buffer): string[] {
  const forms: string[] = [];
  for (let a = 0; a < 3; a++) forms.push(base64Core(bytes, a));
  for (let n = 1; n < bytes.length; n++) {
    for (let a = 0; a < 3; a++) forms.push(base64Core(bytes.subarray(0, n), a));
    forms.push(base64Core(bytes.subarray(n), 0));
  }
  return forms.filter((f) => f.length >= MIN_BASE64_RUN);
}

/** Every form of `secret` that masking looks for, longest first. Empty for an empty secret. */
export function secretForms(secret: string): string[] {
  if (!secret) return [];
  const json = JSON.stringify(secret).slice(1, -1);
  const forms = new Set<string>([secret, json, encodeURIComponent(secret)]);
  // Files go to the board as bytes; a JSON file holds the secret as escaped UTF-8.
  for (const f of base64Forms(Buffer.from(json, "utf8"))) forms.add(f);
  return [...forms].filter((f) => f.length > 0).sort((x, y) => y.length - x.length);
}

/** `text` with file data sent through atob() and every form of every secret replaced by MASK. Never fails; empty secrets are ignored. */
export function maskSecrets(text: string, secrets: string[]): string {
  let out = text.replace(/atob\(\s*(["'])[A-Za-z0-9+/=]+/g, (_m, q: string) => "atob(" + q + MASK);
  for (const secret of secrets) {
    for (const form of secretForms(secret)) out = out.split(form).join(MASK);
  }
  return out;
}
