import assert from "node:assert/strict";
import { BOARDS, findBoard } from "../../boards/index";
import { validateBoard, validateBoards } from "../../boards/validate";
import { toDeviceBoard } from "../../boards/device-view";
import type { Board } from "../../boards/types";
import { pinIn } from "../../base/pin-set";

function copy(id: string): Board {
  const b = findBoard(id);
  assert.ok(b, id);
  return JSON.parse(JSON.stringify(b)) as Board;
}

describe("boards: data validated by the build", () => {
  it("knows the four boards and every one is sound", () => {
    assert.deepEqual(
      BOARDS.map((b) => b.id),
      ["esp32-devkitc", "esp8266-nodemcu", "wemos-d1-mini", "linux"],
    );
    assert.deepEqual(validateBoards(BOARDS), []);
  });

  it("refuses a role on a flash pin", () => {
    const b = copy("esp8266-nodemcu");
    b.roles.led = "D6";
    assert.deepEqual(validateBoard(b), ["esp8266-nodemcu: role led is on flash pin D6"]);
  });

  it("refuses TLS asked of an ESP8266", () => {
    const b = copy("wemos-d1-mini");
    b.tls = true;
    assert.deepEqual(validateBoard(b), ["wemos-d1-mini: tls is asked of an ESP8266, whose Espruino firmware has no tls module"]);
  });

  it("refuses two roles on one pin", () => {
    const b = copy("esp32-devkitc");
    b.roles.led = "D0";
    assert.deepEqual(validateBoard(b), ["esp32-devkitc: roles button and led are both on pin D0"]);
  });

  it("refuses a flash pin offered as usable, an ADC pin not on the board, bad sizes and duplicate ids", () => {
    const b = copy("esp32-devkitc");
    b.labels.D7 = "SD0";
    b.adcPins.push("D50");
    b.inflightWindow = 0;
    const problems = validateBoards([b, copy("esp32-devkitc")]);
    assert.ok(problems.includes("esp32-devkitc: flash pin D7 is offered as usable (labels)"), problems.join("\n"));
    assert.ok(problems.includes("esp32-devkitc: adcPins has D50, which is not among the board's labelled pins"), problems.join("\n"));
    assert.ok(problems.includes("esp32-devkitc: inflightWindow must be a positive integer"), problems.join("\n"));
    assert.ok(problems.includes("esp32-devkitc: two boards have this id"), problems.join("\n"));
  });

  it("maps the NodeMCU silkscreen to Espruino's numbering (D4 is GPIO2, the LED)", () => {
    const b = copy("esp8266-nodemcu");
    assert.equal(b.labels.D2, "D4");
    assert.equal(b.roles.led, "D2");
    assert.ok(b.activeLow.includes("led"));
  });

  it("gives the bundle a compact view: pin sets as strings searchable with indexOf", () => {
    const view = toDeviceBoard(copy("esp8266-nodemcu"));
    assert.ok(view.pins.indexOf(" D2 ") >= 0);
    assert.equal(view.pins.indexOf(" D6 "), -1);
    assert.equal(view.adc, " A0 ");
    assert.deepEqual(
      Object.keys(view).sort(),
      ["adc", "chip", "id", "inflightWindow", "inputOnly", "maxPacketSize", "pins", "sendQueueBytes", "tls", "txBufferSize"],
      "only what the firmware reads",
    );
    assert.equal(toDeviceBoard(copy("linux")).adc, " ");
  });
});

describe("pin sets (base/pin-set.ts)", () => {
  it("finds exactly the listed pins, and nothing when the set ends with the start of the name looked for", () => {
    // Espruino 2v29 answers " A0 ".indexOf(" D5 ") with 3: pinIn must not depend on that.
    assert.equal(pinIn(" A0 ", "D5"), false);
    assert.equal(pinIn(" A0 ", "A0"), true);
    assert.equal(pinIn(" D2 D4 ", "D4"), true);
    assert.equal(pinIn(" D2 D4 ", "D"), false);
    assert.equal(pinIn(" D2 D4 ", "D2 D4"), false);
    assert.equal(pinIn(" D2 D4 ", undefined as unknown as string), false);
    assert.equal(pinIn("", "D2"), false);
  });
});
