import type { TlsOptions } from "../types";

declare function atob(base64: string): string;

/**
 * The DER bytes, as an 8-bit String, of the first PEM block in `pem` (what
 * Espruino's `tls.connect` takes for `ca`, `key` and `cert`: the base64 body
 * decoded). Returns "" when `pem` holds no well-formed block.
 */
export function pemToDer(pem: string): string {
  const begin = pem.indexOf("-----BEGIN");
  const body = pem.indexOf("\n", begin);
  const end = pem.indexOf("-----END", begin);
  if (begin < 0 || body < 0 || end < body) return "";
  const b64 = pem
    .substring(body + 1, end)
    .split("\n")
    .join("")
    .split("\r")
    .join("")
    .split(" ")
    .join("");
  try {
    return b64 ? atob(b64) : "";
  } catch (e) {
    return "";
  }
}

/**
 * Copies the TLS material of `tls` into Espruino's connect options `o` as DER.
 * Espruino never verifies the broker's certificate, with or without `ca`, and
 * sends no SNI: `verify` and `servername` cannot be honoured on the board and
 * are not pretended to be (the connection is encrypted, not authenticated).
 * Returns false when a PEM text is given but holds no certificate or key.
 */
export function toEspruinoTls(o: { ca?: string; key?: string; cert?: string }, tls: TlsOptions): boolean {
  if (tls.ca) o.ca = pemToDer(tls.ca);
  if (tls.key) o.key = pemToDer(tls.key);
  if (tls.cert) o.cert = pemToDer(tls.cert);
  return o.ca !== "" && o.key !== "" && o.cert !== "";
}
