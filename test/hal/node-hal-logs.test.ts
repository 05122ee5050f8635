/**
 * The Node HAL's logs stay bounded however long a virtual board runs: the
 * pin log and the event log each keep their newest LOG_KEEP entries.
 */
import { strict as assert } from "node:assert";
import { findBoard } from "../../boards/index";
import { createNodeHal } from "../../hal/node/index";
import { LOG_KEEP } from "../../hal/node/capped";

describe("Node HAL: bounded logs", () => {
  it("keeps the pin log at its cap through 45,000 writes, newest entries last", () => {
    const hal = createNodeHal(findBoard("esp8266-nodemcu")!);
    assert.equal(hal.gpio.mode("D5", "output"), 0);
    const writes = 45000;
    for (let i = 0; i < writes; i++) assert.equal(hal.gpio.pwm("D5", i / writes, 100), 0);
    const log = hal.gpio.log;
    assert.equal(log.length, LOG_KEEP);
    // The oldest kept entry is write number writes - LOG_KEEP; the newest is the last one.
    assert.deepEqual(log[0], { pin: "D5", kind: "pwm", value: (writes - LOG_KEEP) / writes });
    assert.deepEqual(log[LOG_KEEP - 1], { pin: "D5", kind: "pwm", value: (writes - 1) / writes });
    hal.gpio.setInput("D12", true);
    assert.equal(log.length, LOG_KEEP);
    assert.deepEqual(log[LOG_KEEP - 1], { pin: "D12", kind: "input", value: 1 });
  });

  it("caps the event log the same way", () => {
    const hal = createNodeHal(findBoard("esp8266-nodemcu")!);
    for (let i = 0; i < LOG_KEEP + 10; i++) hal.log.info("line " + i);
    assert.equal(hal.log.lines.length, LOG_KEEP);
    assert.equal(hal.log.lines[0], "line 10");
    assert.equal(hal.log.lines[LOG_KEEP - 1], "line " + (LOG_KEEP + 9));
  });
});
