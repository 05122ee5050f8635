/**
 * A power cut at every step of an update's switch-over never leaves a board
 * that cannot boot. An update runs on the Node HAL (manual clock, scripted
 * broker) with every Storage write and erase recorded: the image written,
 * the trial put in place, the restart (the boot code's own choice, which
 * marks the trial), the new image connecting and kept. Then, for every
 * recorded step, the board is cut before it, with the step half done (a file
 * erased and not yet written again, or written in part), and after it; each
 * state is booted twice by the boot code, which must each time run one of the
 * two images whole, and the new one only once it is checked.
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { toDeviceBoard } from "../../boards/device-view";
import { boot } from "../../firmware/app/boot";
import { TICK_MS } from "../../firmware/app/device";
import { IMAGE_A, IMAGE_B, OTA_KEY_FILE, OTA_TRIAL_FILE } from "../../firmware/app/ota";
import { ST_CONNECTED } from "../../firmware/session/client";
import { createMemoryStorage } from "../../hal/node/storage";
import type { Storage } from "../../hal/types";
import { offerFor } from "../../scripts/ota/image";
import { bootChoice } from "../support/boot-choice";
import { RIG_BOARD, RIG_ROOT, startDevice, type Rig } from "../support/device-rig";

type Step = { name: string; text: string | null };

/** A Storage that records each change (text null: erased). */
function recordingStorage(inner: Storage, steps: Step[]): Storage {
  return {
    read: (name) => inner.read(name),
    write(name, text) {
      steps.push({ name, text });
      return inner.write(name, text);
    },
    erase(name) {
      steps.push({ name, text: null });
      inner.erase(name);
    },
  };
}

describe("app: a power cut at every step of an update's switch-over", function () {
  this.timeout(30000);
  const V1 = "image v1 " + crypto.randomBytes(200).toString("latin1");
  const V2 = crypto.randomBytes(3000).toString("latin1");
  const KEY = crypto.randomBytes(32);

  it("leaves a board that boots a whole image, the new one only once checked", () => {
    const steps: Step[] = [];
    const memory = createMemoryStorage();
    memory.write(IMAGE_A, V1);
    memory.write(OTA_KEY_FILE, KEY.toString("hex"));
    const initial = new Map(memory.files);
    const storage = recordingStorage(memory, steps);
    let rig: Rig | null = null;
    let restarts = 0;
    rig = startDevice(
      {},
      {},
      {
        storage,
        restart: () => {
          restarts++;
          // The board resets: the boot code chooses (and marks a trial), then the image chosen boots.
          assert.equal(bootChoice(storage), IMAGE_B);
          const d = boot(rig!.hal, toDeviceBoard(RIG_BOARD));
          assert.equal(typeof d, "object");
          rig!.device = d as Rig["device"];
        },
      },
    );
    const offer = offerFor({ bytes: V2, board: RIG_BOARD.id, version: "0.1.0+v2" }, KEY);
    rig.send(RIG_ROOT + "cmd/ota/begin", JSON.stringify(offer));
    for (let sent = 0; sent < V2.length;) {
      const next = JSON.parse(rig.got("ota/next").at(-1)!);
      assert.equal(next.offset, sent);
      rig.send(RIG_ROOT + "cmd/ota/chunk/" + next.offset, Buffer.from(V2.substr(next.offset, next.chunk), "latin1"));
      sent = Math.min(V2.length, next.offset + next.chunk);
    }
    // The tick checks the image.
    rig.run(TICK_MS + 50);
    assert.ok(
      rig.hal.log.lines.some((l) => l.includes("checked, restarting")),
      rig.hal.log.lines.join("\n"),
    );
    rig.run(3000);
    assert.equal(restarts, 1);
    assert.equal(rig.device.client.state(), ST_CONNECTED);
    assert.match(rig.got("ota/result").at(-1)!, /"running"/);
    assert.equal(memory.read(OTA_TRIAL_FILE), null);

    // The steps from the first byte of the new image on.
    const first = steps.findIndex((s) => s.name === IMAGE_B);
    assert.ok(first >= 0);
    const checked = steps.findIndex((s) => s.name === OTA_TRIAL_FILE);
    const states: { at: number; how: string; files: Map<string, string> }[] = [];
    const files = new Map(initial);
    for (let i = 0; i < first; i++) apply(files, steps[i]);
    for (let i = first; i < steps.length; i++) {
      const s = steps[i];
      states.push({ at: i, how: "before", files: new Map(files) });
      if (s.text !== null) {
        const erased = new Map(files);
        erased.delete(s.name);
        states.push({ at: i, how: "erased, not yet written", files: erased });
        const part = new Map(files);
        part.set(s.name, s.text.substr(0, s.text.length >> 1));
        states.push({ at: i, how: "half written", files: part });
      }
      apply(files, s);
    }
    states.push({ at: steps.length, how: "after the last", files: new Map(files) });
    assert.ok(states.length > 20, "steps: " + steps.map((s) => s.name).join(" "));
    for (const st of states) {
      const cut = createMemoryStorage();
      for (const [k, v] of st.files) cut.files.set(k, v);
      for (let b = 0; b < 2; b++) {
        const name = bootChoice(cut);
        const text = cut.read(name);
        const what = "cut " + st.how + " step " + st.at + " (" + (steps[st.at] ? steps[st.at].name : "-") + "), boot " + (b + 1);
        assert.ok(text === V1 || text === V2, what + ": " + name + " is not a whole image");
        if (st.at <= checked) assert.equal(text, V1, what + ": the new image ran before it was checked");
      }
    }
  });
});

function apply(files: Map<string, string>, s: Step): void {
  if (s.text === null) files.delete(s.name);
  else files.set(s.name, s.text);
}
