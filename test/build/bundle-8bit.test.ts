/**
 * The codec compiled as in the board bundles, on an interpreter whose strings are 8-bit, as on
 * Espruino's ESP32/ESP8266 firmware: String.fromCharCode keeps the low 8 bits.
 * Topics and payloads must stay byte-exact: the source text "café" holds its
 * UTF-8 bytes already and goes on the wire unchanged, and comes back the same.
 */
import { strict as assert } from "node:assert";
import fs from "node:fs";
import path from "node:path";
import vm from "node:vm";
import { byteString, str, u16, utf8 } from "../../scripts/support/bytes";

interface BundleCodec {
  STRINGS_ARE_BYTES: boolean;
  encodePublish(buf: Uint8Array, off: number, topic: string, payload: string | Uint8Array, qos: number, retain: boolean, dup: boolean, id: number): number;
  createPacket(): Record<string, number>;
  createFramer(max: number, sink: { onPacket: (b: Uint8Array, s: number, l: number, total: number) => void }): unknown;
  framerPush(f: unknown, chunk: string | Uint8Array): number;
  decodePacket(p: unknown, buf: Uint8Array, start: number, length: number): number;
  publishTopic(p: unknown, buf: Uint8Array): string;
  publishPayloadText(p: unknown, buf: Uint8Array): string;
}

/** The codec compiled as the board bundles are (rollup, TypeScript to ES5, CommonJS), once. */
let compiled: Promise<string> | null = null;
function compileCodec(): Promise<string> {
  if (!compiled)
    compiled = (async () => {
      const { rollup } = await import("rollup");
      const typescript = (await import("@rollup/plugin-typescript")).default;
      const bundle = await rollup({
        input: path.join(import.meta.dirname, "..", "..", "firmware", "mqtt", "index.ts"),
        plugins: [
          typescript({
            tsconfig: path.join(import.meta.dirname, "..", "..", "tsconfig.json"),
            noEmitOnError: true,
            include: ["firmware/**/*.ts", "base/**/*.ts"],
          }),
        ],
      });
      const out = await bundle.generate({ format: "cjs", exports: "named", strict: false, esModule: false });
      return out.output[0].code;
    })();
  return compiled;
}

async function loadBundleWith8BitStrings(_board: string): Promise<BundleCodec> {
  const code = await compileCodec();
  const exportsObject = {};
  const context = vm.createContext({ Uint8Array, exports: exportsObject, module: { exports: exportsObject } });
  vm.runInContext(
    "var original = String.fromCharCode; String.fromCharCode = function () {" +
      " var s = ''; for (var i = 0; i < arguments.length; i++) s += original(arguments[i] & 255); return s; };",
    context,
  );
  vm.runInContext(code, context, { filename: "codec.js" });
  return exportsObject as BundleCodec;
}

describe("the codec compiled to ES5 on an 8-bit-string interpreter", () => {
  for (const board of ["esp8266-nodemcu"]) {
    it(`writes and reads UTF-8 topics and payloads byte for byte`, async () => {
      const codec = await loadBundleWith8BitStrings(board);
      assert.equal(codec.STRINGS_ARE_BYTES, true);
      const topic8 = byteString(utf8("fab/café/☺")); // what "fab/café/☺" is in the board's source text
      const payload8 = byteString(utf8("22 °C"));
      const buf = new Uint8Array(64);
      const end = codec.encodePublish(buf, 0, topic8, payload8, 1, false, false, 3);
      const expected = [0x32, 2 + 13 + 2 + 6, ...str("fab/café/☺"), ...u16(3), ...utf8("22 °C")];
      assert.deepEqual(Array.from(buf.subarray(0, end)), expected);

      // Back through the framer as the socket delivers it: an 8-bit String.
      const p = codec.createPacket();
      const seen: [string, string][] = [];
      const f = codec.createFramer(128, {
        onPacket: (b, s, l, total) => {
          assert.equal(l, total, "oversize");
          assert.equal(codec.decodePacket(p, b, s, l), 0);
          seen.push([codec.publishTopic(p, b), codec.publishPayloadText(p, b)]);
        },
      });
      assert.equal(codec.framerPush(f, byteString(expected)), 0);
      assert.deepEqual(seen, [[topic8, payload8]]);
    });
  }
});
