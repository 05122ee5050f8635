/**
 * The pins' and sensors' part of the HAL contract (test/support/hal-contract.ts).
 */
import { strict as assert } from "node:assert";
import * as E from "../../base/errors";
import type { Sensor } from "../../hal/types";
import { waitFor } from "../../scripts/support/live-client";
import { pinsOf, tick, type ContractContext } from "./hal-contract";

/** GPIO and the sensor drivers, run inside the contract's describe(). */
export function pinContract(ctx: ContractContext): void {
  describe("gpio", function () {
    it("an output reads back what was written", function () {
      const g = ctx.rig.hal.gpio;
      const { io } = pinsOf(ctx.rig.board);
      assert.equal(g.mode(io, "output"), 0);
      assert.equal(g.write(io, true), 0);
      assert.equal(g.read(io), 1);
      assert.equal(g.write(io, false), 0);
      assert.equal(g.read(io), 0);
    });

    it("a pin the board does not have gives E_PIN_INVALID everywhere, and nothing throws", function () {
      const g = ctx.rig.hal.gpio;
      for (const pin of ["D99", "B3", "", "D2 D4", "toString", undefined as unknown as string]) {
        assert.equal(g.mode(pin, "output"), E.E_PIN_INVALID, "mode " + pin);
        assert.equal(g.write(pin, true), E.E_PIN_INVALID, "write " + pin);
        assert.equal(g.read(pin), E.E_PIN_INVALID, "read " + pin);
        assert.equal(g.analogRead(pin), E.E_PIN_INVALID, "analogRead " + pin);
        assert.equal(g.pwm(pin, 0.5, 1000), E.E_PIN_INVALID, "pwm " + pin);
        assert.equal(
          g.watch(pin, 10, () => undefined),
          E.E_PIN_INVALID,
          "watch " + pin,
        );
      }
    });

    it("analog: an ADC pin reads 0..1, a pin without ADC gives E_PIN_UNSUPPORTED; an input-only pin takes no output", function () {
      const g = ctx.rig.hal.gpio;
      const { io, adc, inputOnly } = pinsOf(ctx.rig.board);
      ctx.rig.setAnalog(adc, 0.25);
      assert.equal(g.analogRead(adc), 0.25);
      assert.equal(g.analogRead(io), E.E_PIN_UNSUPPORTED);
      assert.equal(g.write(inputOnly, true), E.E_PIN_UNSUPPORTED);
      assert.equal(g.mode(inputOnly, "output"), E.E_PIN_UNSUPPORTED);
      assert.equal(g.pwm(inputOnly, 0.5, 1000), E.E_PIN_UNSUPPORTED);
    });

    it("pwm takes a duty of 0..1 and refuses 1.5 with E_INVALID_ARGUMENT", function () {
      const g = ctx.rig.hal.gpio;
      const { io2 } = pinsOf(ctx.rig.board);
      assert.equal(g.pwm(io2, 0.3, 1000), 0);
      assert.equal(g.pwm(io2, 1.5, 1000), E.E_INVALID_ARGUMENT);
    });

    it("watch reports a debounced change once, not a bounce; unwatch stops it and is safe twice", async function () {
      const g = ctx.rig.hal.gpio;
      const { io3 } = pinsOf(ctx.rig.board);
      assert.equal(g.mode(io3, "input_pullup"), 0);
      ctx.rig.setInput(io3, false);
      const seen: boolean[] = [];
      const id = g.watch(io3, 30, (high) => seen.push(high));
      assert.ok(id > 0, "watch gave " + id);
      ctx.rig.setInput(io3, true);
      await tick(5);
      ctx.rig.setInput(io3, false);
      await tick(5);
      ctx.rig.setInput(io3, true);
      await waitFor(() => seen.length > 0, "the watch");
      await tick(60);
      assert.deepEqual(seen, [true]);
      g.unwatch(id);
      g.unwatch(id);
      g.unwatch(0);
      ctx.rig.setInput(io3, false);
      await tick(60);
      assert.deepEqual(seen, [true]);
    });
  });

  describe("sensors", function () {
    const read = (s: Sensor) =>
      new Promise<[number, number, number]>((resolve) => {
        let inside = true;
        s.read((code, a, b) => {
          assert.equal(inside, false, "done() ran inside read()");
          resolve([code, a, b]);
        });
        inside = false;
      });
    const open = (kind: "dht22" | "ds18b20" | "analog" | "digital", pin: string) => {
      const s = ctx.rig.hal.sensors.open({ kind, pin });
      assert.equal(typeof s, "object", kind + " on " + pin + " gave " + String(s));
      return s as Sensor;
    };

    it("dht22: a good reading (°C, %RH), a negative temperature, a bad checksum, no answer", async function () {
      const { io } = pinsOf(ctx.rig.board);
      const s = open("dht22", io);
      ctx.rig.arrangeSensor("dht22", io, { temp: 21.5, rh: 45.2 });
      assert.deepEqual(await read(s), [0, 21.5, 45.2]);
      ctx.rig.arrangeSensor("dht22", io, { temp: -3.4, rh: 99.9 });
      assert.deepEqual(await read(s), [0, -3.4, 99.9]);
      ctx.rig.arrangeSensor("dht22", io, "checksum");
      assert.equal((await read(s))[0], E.E_SENSOR_CHECKSUM);
      ctx.rig.arrangeSensor("dht22", io, "timeout");
      assert.equal((await read(s))[0], E.E_SENSOR_TIMEOUT);
    });

    it("ds18b20: a good reading, a bad CRC, no device on the pin", async function () {
      const { io2 } = pinsOf(ctx.rig.board);
      const s = open("ds18b20", io2);
      ctx.rig.arrangeSensor("ds18b20", io2, { temp: 19.0625 });
      assert.deepEqual(await read(s), [0, 19.0625, 0]);
      ctx.rig.arrangeSensor("ds18b20", io2, { temp: -10.125 });
      assert.deepEqual(await read(s), [0, -10.125, 0]);
      ctx.rig.arrangeSensor("ds18b20", io2, "checksum");
      assert.equal((await read(s))[0], E.E_SENSOR_CHECKSUM);
      ctx.rig.arrangeSensor("ds18b20", io2, "absent");
      assert.equal((await read(s))[0], E.E_SENSOR_NOT_FOUND);
    });

    it("a read while one is under way gives E_SENSOR_BUSY; the first still ends", async function () {
      const { io } = pinsOf(ctx.rig.board);
      const s = open("dht22", io);
      ctx.rig.arrangeSensor("dht22", io, { temp: 20, rh: 50 });
      const first = read(s);
      const second = read(s);
      assert.equal((await second)[0], E.E_SENSOR_BUSY);
      assert.deepEqual(await first, [0, 20, 50]);
    });

    it("analog and digital sensors read their pins", async function () {
      const { adc, io3 } = pinsOf(ctx.rig.board);
      ctx.rig.setAnalog(adc, 0.75);
      assert.deepEqual(await read(open("analog", adc)), [0, 0.75, 0]);
      ctx.rig.setInput(io3, true);
      assert.deepEqual(await read(open("digital", io3)), [0, 1, 0]);
      ctx.rig.setInput(io3, false);
      assert.deepEqual(await read(open("digital", io3)), [0, 0, 0]);
    });

    it("open() refuses an unknown kind, an unknown pin, analog without ADC", function () {
      const { io } = pinsOf(ctx.rig.board);
      assert.equal(ctx.rig.hal.sensors.open({ kind: "bme280" as "dht22", pin: io }), E.E_SENSOR_KIND);
      assert.equal(ctx.rig.hal.sensors.open({ kind: "dht22", pin: "D99" }), E.E_PIN_INVALID);
      assert.equal(ctx.rig.hal.sensors.open({ kind: "analog", pin: io }), E.E_PIN_UNSUPPORTED);
    });
  });
}
