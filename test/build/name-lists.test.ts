/**
 * The build's lists of source names (build/memory-lists.mjs: KEEP_PARAMS,
 * RESIDENT, NOT_INLINED, HOT_METHODS, RECORD_FIELDS, DEVICE_FIELDS, BOOT_ONLY_*) are
 * each checked against the bundles (build/name-checks.mjs): an entry that
 * matches nothing stops the build. Here each check fails on a small bad
 * sample, then the ESP8266 bundle is built in memory with one stale entry
 * added to each list in turn.
 */
import assert from "node:assert/strict";
import { rollup, type OutputOptions, type RollupCache, type RollupOptions } from "rollup";
import { checkFunctions, checkMentioned, checkMethods, checkProperties, checkTopLevel, markNotInlined } from "../../build/name-checks.mjs";

const SAMPLE = [
  "var LIMIT = 3;",
  "function Client() { this.sent_ = 0; }",
  "Client.prototype.publish = function (topic) { this.sent_++; return frame(topic, { topicOf: topic }); };",
  "function frame(t, o) { return new Int32Array(LIMIT) && t + o.topicOf; }",
  "",
].join("\n");

describe("the build's lists of source names", function () {
  describe("each check on a small sample", () => {
    it("top-level names: a name the bundle does not declare", () => {
      checkTopLevel("BOOT_ONLY_NAMES", ["Client", "frame", "LIMIT"], SAMPLE, "sample.js");
      assert.throws(
        () => checkTopLevel("BOOT_ONLY_NAMES", ["frame", "parseConfig"], SAMPLE, "sample.js"),
        /^Error: BOOT_ONLY_NAMES names no top-level name of sample\.js: parseConfig \(build\/memory-lists\.mjs\)$/,
      );
    });

    it("methods: a method the class does not have, or a class the bundle does not have", () => {
      checkMethods("HOT_METHODS", ["Client.publish"], SAMPLE, "sample.js");
      assert.throws(
        () => checkMethods("HOT_METHODS", ["Client.subscribe", "Server.publish"], SAMPLE, "sample.js"),
        /names no method of sample\.js: Client\.subscribe, Server\.publish/,
      );
    });

    it("properties: a field used as a property nowhere", () => {
      checkProperties("RECORD_FIELDS", ["topicOf", "sent_"], SAMPLE, "sample.js");
      assert.throws(() => checkProperties("RECORD_FIELDS", ["usedCount"], SAMPLE, "sample.js"), /RECORD_FIELDS names no property of sample\.js: usedCount/);
      assert.throws(() => checkProperties("RECORD_FIELDS", ["topic"], SAMPLE, "sample.js"), /topic/, "a variable named like the field is no property");
    });

    it("built-ins: a name used nowhere", () => {
      checkMentioned("BOOT_ONLY_BUILTINS", ["Int32Array"], SAMPLE, "sample.js");
      assert.throws(
        () => checkMentioned("BOOT_ONLY_BUILTINS", ["Uint8Array"], SAMPLE, "sample.js"),
        /BOOT_ONLY_BUILTINS names no name used of sample\.js: Uint8Array/,
      );
    });

    it("calls kept out of their caller: marked where called, a name never called fails where calls are required", () => {
      const marked = markNotInlined("NOT_INLINED", ["frame"], SAMPLE, "sample.js", true);
      assert.match(marked, /return \/\*@__NOINLINE__\*\/frame\(topic/);
      assert.match(marked, /^function frame\(t, o\)/m, "the declaration is left alone");
      assert.throws(() => markNotInlined("NOT_INLINED", ["frame", "decode"], SAMPLE, "sample.js", true), /NOT_INLINED names no call of sample\.js: decode/);
      assert.equal(markNotInlined("NOT_INLINED", ["decode"], SAMPLE, "sample.js", false), SAMPLE, "not required: nothing to mark, no error");
    });

    it("functions of the minified code, through terser's name cache", () => {
      const minified = "function $a(t){}\n$b.prototype.p=function(){};\n";
      const cache = { vars: { props: { $frame: "$a", $Client: "$b" } }, props: { props: { $publish: "p" } } };
      checkFunctions("KEEP_PARAMS", ["frame", "Client.prototype.publish"], minified, cache, "sample.min.js");
      assert.throws(
        () => checkFunctions("KEEP_PARAMS", ["Client.prototype.send_", "encode"], minified, cache, "sample.min.js"),
        /KEEP_PARAMS names no function of sample\.min\.js: Client\.prototype\.send_, encode/,
      );
    });
  });

  describe("the build of the ESP8266 bundle", function () {
    this.timeout(180000);
    let config: RollupOptions;
    let lists: Record<string, string[]>;
    let cache: RollupCache | undefined;

    before(async () => {
      const configFile = "../../rollup.config.js";
      const mod = (await import(configFile)) as { default: RollupOptions[]; NAME_LISTS: Record<string, string[]> };
      config = mod.default.find((c) => String((c.output as OutputOptions).file).includes("esp8266-nodemcu"))!;
      lists = mod.NAME_LISTS;
    });

    /** Builds the bundle in memory (nothing written); the error's message, or "" when it built. */
    async function build(): Promise<string> {
      try {
        const bundle = await rollup({ ...config, cache });
        cache = bundle.cache;
        await bundle.generate(config.output as OutputOptions);
        await bundle.close();
        return "";
      } catch (e) {
        return (e as Error).message;
      }
    }

    it("builds with the lists as they are", async () => {
      assert.equal(await build(), "");
    });

    /** A stale entry for each list, in the form its entries take. */
    const STALE: Record<string, string> = {
      TABLE_ACCESSORS: "goneAccessor",
      KEEP_PARAMS: "MqttClient.prototype.gone_",
      RESIDENT: "MqttClient.prototype.goneToo_",
      NOT_INLINED: "goneFunction",
      MADE_AT_EACH_CALL: "goneRareHalf",
      HOT_METHODS: "MqttClient.gone_",
      RECORD_FIELDS: "goneField",
      DEVICE_FIELDS: "goneDeviceField",
      BOOT_ONLY_NAMES: "goneBootName",
      BOOT_ONLY_CLASSES: "GoneClass",
      BOOT_ONLY_METHODS: "MqttClient.gone",
      BOOT_ONLY_BUILTINS: "Float64Array",
      BOOT_ONLY_HAL_FIELDS: "goneHalField",
      BOOT_ONLY_BOARD_FIELDS: "goneBoardField",
    };

    it("knows every list the build exports", () => {
      assert.deepEqual(Object.keys(lists).sort(), Object.keys(STALE).sort());
    });

    for (const [list, stale] of Object.entries(STALE)) {
      it(`stops on a stale ${list} entry, naming the list and the entry`, async () => {
        lists[list].push(stale);
        try {
          const message = await build();
          assert.match(message, new RegExp(list + " names no [a-z -]+ of fabmqtt(\\.min)?\\.js: " + stale.replace(/\./g, "\\.")));
        } finally {
          lists[list].pop();
        }
      });
    }
  });
});
