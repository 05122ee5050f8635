// Loaded into the espruino CLI's process (node --require) by
// scripts/flash/espruino-cli.ts when an upload wants progress: the CLI keeps
// its progress to itself (its status functions are stubs outside the Web
// IDE). Once the CLI has set them up, this wraps two of its functions: the
// status "Sending..." gives the number of bytes to send, and the connection's
// lowest write (the same for serial and TCP) the bytes sent. It writes
// "<sent> <total>\n" to file descriptor 3, at most every 200 ms and at the
// end, and never to the CLI's own output. Does nothing when fd 3 is not open.
"use strict";
const fs = require("node:fs");

const FD = 3;
let total = 0;
let sent = 0;
let lastReport = 0;

function report(force) {
  const now = Date.now();
  if (!force && now - lastReport < 200) return;
  lastReport = now;
  try {
    fs.writeSync(FD, sent + " " + total + "\n");
  } catch (e) {
    clearInterval(watch);
  }
}

/** Counts what goes out once the CLI has said how much it sends ("Sending...", length). */
function wrap(status, connection) {
  const setStatus = status.setStatus;
  status.setStatus = function (text, length) {
    if (text === "Sending..." && length > 0) {
      total += length;
      report(true);
    }
    return setStatus.apply(this, arguments);
  };
  const writeLowLevel = connection.writeLowLevel;
  connection.writeLowLevel = function (data) {
    return writeLowLevel.apply(this, arguments).then(function (value) {
      if (total > 0) {
        sent = Math.min(total, sent + data.length);
        report(sent === total);
      }
      return value;
    });
  };
  status.fabmqttProgress = true;
}

// The CLI makes its global `Espruino` and the status stubs synchronously at
// start, before it connects: the first check after that finds them.
const watch = setInterval(function () {
  const core = global.Espruino && global.Espruino.Core;
  if (!core || !core.Status || !core.Serial || !core.Serial.connection) return;
  if (!core.Status.fabmqttProgress) wrap(core.Status, core.Serial.connection);
  clearInterval(watch);
}, 5);
watch.unref();
