/**
 * The fake board console itself, spoken to as the espruino CLI speaks:
 * the prompt after an empty line, the CLI's process.env query, echo-off
 * lines, Storage writes in chunks, and Espruino's way of reporting an error.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { startFakeEspruino, type FakeEspruino } from "../support/fake-espruino";
import { isComplete } from "../support/fake-espruino/line-editor";

/** Sends `text` and resolves with what came back once the console has been quiet for 100 ms. */
function exchange(socket: net.Socket, text: string): Promise<string> {
  return new Promise((resolve) => {
    let got = "";
    let t = setTimeout(done, 300);
    function done() {
      socket.off("data", on);
      resolve(got);
    }
    function on(d: Buffer) {
      got += d.toString("latin1");
      clearTimeout(t);
      t = setTimeout(done, 100);
    }
    socket.on("data", on);
    socket.write(Buffer.from(text, "latin1"));
  });
}

describe("fake Espruino console", () => {
  let board: FakeEspruino;
  let socket: net.Socket;
  beforeEach(async () => {
    board = await startFakeEspruino({ chip: "esp32" });
    socket = net.connect(board.port, "127.0.0.1");
    await new Promise((r) => socket.once("connect", r));
  });
  afterEach(async () => {
    socket.destroy();
    await board.close();
  });

  it("answers an empty line with =undefined and the prompt, and the CLI's process.env query with the board's JSON", async () => {
    assert.equal(await exchange(socket, "\n"), "\r\n=undefined\r\n>");
    const env = await exchange(socket, '\x10print("<","<<",JSON.stringify(process.env),">>",">")\n');
    const m = /< << (.*) >> >/.exec(env);
    assert.ok(m, env);
    const e = JSON.parse(m![1]);
    assert.equal(e.BOARD, "ESP32");
    assert.equal(e.VERSION, "2v29");
    assert.ok(e.MODULES.split(",").includes("Storage"));
  });

  it("stores chunked writes as the CLI sends them, echoes typed lines, and prints errors as Espruino does", async () => {
    const data = "x".repeat(500) + "\xff\x00";
    const a = Buffer.from(data.slice(0, 384), "latin1").toString("base64");
    const b = Buffer.from(data.slice(384), "latin1").toString("base64");
    await exchange(socket, `\x10require("Storage").write("f",atob("${a}"),0,${data.length})\n\x10require("Storage").write("f",atob("${b}"),384)\n`);
    assert.equal(board.storage.read("f"), data);
    assert.equal(await exchange(socket, "1+1\n"), "1+1\r\n=2\r\n>");
    assert.match(await exchange(socket, "\x10nothing()\n"), /^Uncaught ReferenceError: nothing is not defined\r\n/);
    // Writing past the size given first is refused, as on the board.
    assert.match(await exchange(socket, '\x10require("Storage").write("f","zz",501)\n'), /Uncaught Error: Too much data for file size/);
  });

  it("continues a line while brackets or strings are open", () => {
    assert.equal(isComplete("f(1,"), false);
    assert.equal(isComplete('print(")")'), true);
    assert.equal(isComplete("if (a) {\n b()\n}"), true);
    assert.equal(isComplete("'a\\'"), false);
  });
});
