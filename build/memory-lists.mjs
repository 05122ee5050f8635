// The build's memory transforms, as lists of source names with the reason for
// each and the figure it saves (measured with ESPRUINO_ONLY=memory npm run
// test:espruino on a 1,600-variable pool unless a line says otherwise).
// rollup.config.js applies them; build/name-checks.mjs checks every list
// against the bundles it applies to: an entry that matches nothing stops the
// build (test/build/name-lists.test.ts adds one to each list).

// Internal members are named with a trailing `_` and shortened in the minified
// bundles: on Espruino a property name over 4 characters costs an extra
// variable or two.
// Properties the minified bundles shorten: names ending in `_`, and the
// fields of the codec's and the session's own records (packet, framer,
// outbox, subscriptions, inbound QoS 2 ids) that no caller outside a bundle
// reads. Public names (Message, ClientStats, options, the HAL) stay. A field
// used as a property nowhere in a bundle stops the build (build/name-checks.mjs).
export const RECORD_FIELDS = [
  // the received packet (firmware/mqtt/packet.ts ReceivedPacket)
  "sessionPresent",
  "returnCode",
  "topicStart",
  "topicLength",
  "payloadStart",
  "payloadLength",
  // the framer (firmware/wire/text-framer.ts)
  "pending",
  "maxPacketSize",
  "failCode",
  "generation",
  "sink",
  "skipping",
  // outbox, inbound QoS 2 ids, subscriptions
  "topicOf",
  "payloadOf",
  "nextSeq",
  "inFlightCount",
  "usedCount",
  "unsent",
  "ids",
  "openCount",
  "nextAge",
  "slots",
  "filterOf",
  "handlerOf",
  // the persistent session's state (firmware/session/client.ts SavedSession)
  "dirty",
  "savedAt",
  "held",
  "savedSeq",
];

// A device bundle exports start() and the platform (createEspruinoHal) only:
// its client, the client's options (which the device program makes), the
// messages handed to the device and the will are the firmware's own, so their fields are
// shortened too, except those Espruino or the configuration's JSON names
// (host, port, password, qos) and those terser keeps whole (flags, keepalive,
// username: DOM property names). A field used nowhere in a device bundle stops the build.
export const DEVICE_FIELDS = ["topic", "payload", "retain", "packetId", "clientId", "willTopic", "willPayload", "willQos", "willRetain"];

// The library bundle's API is the MQTT module's (create(server, options) with
// client_id, keep_alive, ...): the client's own options, which the library
// makes, and the messages it hands to the library are its own, so their fields
// are shortened too. On Espruino a property name over 4 characters costs one
// or two variables more (the client's options took 50 variables, when the
// client kept them whole). So are the methods of the client and of the
// platform that no program calls through the module's API (from start to
// close below): shortened, the rare ones are made at each call
// (build/on-call-functions.mjs) like the bundle's other rare functions:
// library 475 / 703 -> 422 / 649 loaded / connected. tick and the QoS 2
// acks stay (RESIDENT). onConnect and onMessage are also DOM names, which
// the minifier shortens only with `builtins` (rollup.config.js).
export const LIBRARY_FIELDS = [
  "clientId",
  "cleanSession",
  "txBufferSize",
  "maxPacketSize",
  "inflightWindow",
  "queueSize",
  "inboundQos2",
  "maxSubscriptions",
  "connectTimeoutMs",
  "backoffBaseMs",
  "backoffMaxMs",
  "stableMs",
  "persistSession",
  "onConnect",
  "onDisconnect",
  "onMessage",
  "onPublished",
  "onSubscribe",
  "onUnsubscribe",
  "onPingResponse",
  "onError",
  "willTopic",
  "willPayload",
  "willQos",
  "willRetain",
  "packetId",
  "payload",
  "start",
  "stop",
  "stats",
  "state",
  "tick",
  "onClose",
  "onOversized",
  "onData",
  "every",
  "after",
  "cancel",
  "close",
];

// The session tables' accessors (firmware/session/outbox.ts, subscriptions.ts):
// the tables own their slot layouts, and the client reads and changes a slot
// through these. Each is written out where it is called
// (build/inline-accessors.mjs): kept as functions, the seven the client
// called outside the message path cost the core bundle 15 variables
// (345 -> 360 loaded), and those on it a call each per message. A name that
// is no top-level function of a bundle stops the build.
export const TABLE_ACCESSORS = [
  "outboxState",
  "outboxQos",
  "outboxRetained",
  "outboxDup",
  "outboxSent",
  "outboxMarkSent",
  "outboxId",
  "outboxSetId",
  "outboxSeq",
  "outboxPubrecReceived",
  "subscriptionWaits",
  "subscriptionRequestQos",
  "subscriptionSetRequest",
];

// Functions the minifier must not inline into their one caller. Terser inlines
// a function called once as a function expression at the call site, which
// saves about 5 variables while loaded, but then Espruino parses the whole
// function text at each call to make it, then runs it: twice the tokens on
// the paths taken per packet (a chunk's framing, a packet's decoding). Each
// call site gets terser's /*@__NOINLINE__*/; a name with no call site in a
// device bundle fails the build. (payloadText: inlined into the library's
// publish event, terser left its `var` after the use, which Espruino does not
// hoist; the Espruino gate caught it.) The rare halves of the publish path
// (checkedPublishPacket, a socket write of a
// slice, a refused publish() in the library) stay out of the functions every
// publish runs: inlined, they were read at each call (QoS 0 publish from the
// library: 1.45 ms before, see docs/performance.md). An entry "name@library"
// is looked for in the library bundle only.
export const NOT_INLINED = [
  "framerPush",
  "decodeReceived",
  "fromWire",
  "payloadText",
  "checkedPublishPacket",
  "sliceText",
  "decodePublish",
  "decodeAck",
  "framerStep",
  "refused@library",
];

// Rare halves of functions a message runs, kept apart so that the device and
// library bundles make them at each call (build/on-call-functions.mjs) and
// the half a message runs reads none of their text: the outbox's search of
// every slot (after a reconnect; QoS 1 4,381 -> 4,156 tokens a message,
// npm run profile:espruino), the socket's write of a slice or at its bound
// (write 149 -> 96 tokens a packet), a PUBLISH with every check (a new
// topic no longer makes four functions at each publish: a 192-byte QoS 0
// publish 12.2 -> 3.4 million instructions). The core bundle keeps every
// function, so there the minifier may inline them: no function of their own
// to keep (5 variables each). A name with no call site in a device or
// library bundle fails the build.
export const MADE_AT_EACH_CALL = ["outboxSearchOldest", "writeAny", "fullPublishPacket"];

// Functions that keep their declared parameters (build/params-to-arguments.mjs):
// the calls in progress where the pool is at its lowest: when the device
// publishes a reading, from its publish down to the socket, and when a chunk
// comes in, from the socket's data down to the decoder. Read from `arguments`,
// a call in progress would hold 2n + 4 variables more for its n parameters;
// declared, each costs one while the bundle is loaded. In the library,
// publishPacket's seven as well: a QoS 0 publish 1.43 -> 1.21 million
// instructions, QoS 1 with its PUBACK 5.71 -> 5.45 (npm run bench:espruino),
// for 7 variables (a QoS 1 message's publishQueued_ and onAck_ as well gave
// 5.27 for 6 more: not kept). A name that is no function of a minified
// device bundle (stale, or inlined into its caller) stops the build.
export const KEEP_PARAMS = [
  "DeviceProgram.prototype.send_",
  "MqttClient.prototype.publish",
  "MqttClient.prototype.pump_",
  "MqttClient.prototype.send_",
  "Conn.prototype.write",
  "MqttClient.prototype.onData",
  "MqttClient.prototype.onPacket",
  "Connection.prototype.publish@library",
  "publishPacket@library",
];

// Internal methods called from one place are inlined there (build/inline-methods.mjs):
// the source keeps a method per job, the bundle does not pay ~8 variables for each.
// A method listed here stays a method and nothing is inlined into it:
// Espruino reads all of a function's text at each call, the branches it skips
// included (2 KB after an early return: 1.1 ms a call from Storage on the
// Linux build). Listing publish and onPacket as well kept their rare branches
// (the QoS 1 queueing, CONNACK, SUBACK, PUBREL) out of them, but cost 35
// variables on the core loaded (313 -> 348) for a speed-up lost in the noise of
// a busy machine: not kept. A name that is no method of the bundle fails the build.
export const HOT_METHODS = ["MqttClient.onAck_", "MqttClient.publish", "MqttClient.onPacket"];

// What only fabmqtt.start() uses. After it, the device bundle drops these
// (targets/espruino/device.ts calls releaseBootCode(), which this build writes out):
// on Espruino a function costs about five variables however rarely it runs,
// as Linux frees its __init code after boot. The classes are constructed once
// per start: their instances keep the prototypes; the constructors go. The
// names are top-level functions (string constants such as the Storage file
// names are written where they are used: build/inline-constants.mjs). The configuration check stays (remote configuration checks a change
// against the board): made at each call (build/on-call-functions.mjs), it
// costs next to nothing resident. A name that is not a top-level name of the bundle stops the
// build; one called after start() fails the bundle tests
// (test/build/bundle-standin.test.ts, test/build/espruino-device.test.ts), which run the
// firmware through connect, telemetry, commands, a broker restart, a WiFi loss
// and a power cut with a saved session.
// Not listed: the small functions that make the client's records
// (createPacket, createOutbox, ...) and createClient. The minifier folds each
// into its only caller, whose constructor goes; listed, each would be called
// from two places and kept as a function until start() ends (24 variables
// more loaded on the x86-64 interpreter, the same once started).
export const BOOT_ONLY_NAMES = ["boot", "parseConfig", "createEspruinoHal", "fire", "watchPin"];

// Built-in constructors only starting names: Espruino keeps one in a global
// once a script names it (and makes it again if a later script does); deleted
// with the global names, in the minified bundle run at the global scope. One
// the bundle never names stops the build. None now: the session tables take
// their Int32Arrays at their first message, after start
// (firmware/session/outbox.ts, inbound-qos2.ts).
export const BOOT_ONLY_BUILTINS = [];

// Members of the platform and of the board that only starting reads, deleted
// from the two objects start() passes to releaseBootCode(hal, board). The
// device opens its sensors and closes the remote console while starting;
// Storage stays (remote configuration reads and writes it). Of the board,
// only starting reads the sizes (the client's buffers, the socket queue), but
// for the largest packet, which sizes an update's chunks (firmware/app/device-ota.ts);
// the pins, the chip and TLS are read by the configuration check, and the id
// names the device in discovery. A name used as a property nowhere in the
// bundle stops the build.
export const BOOT_ONLY_HAL_FIELDS = ["sensors", "closeConsole"];

export const BOOT_ONLY_BOARD_FIELDS = ["txBufferSize", "inflightWindow", "sendQueueBytes"];

export const BOOT_ONLY_CLASSES = [
  "DeviceProgram",
  "MqttClient",
  "EspruinoNet",
  "EspruinoWifi",
  "EspruinoGpio",
  "EspruinoSensors",
  "EspruinoSensor",
  "EspruinoTimers",
];

// Methods the firmware calls only while starting, or never (the platform's
// interface has them for programs of one's own, which use createEspruinoHal
// instead of start()): deleted from their prototypes ("Class.method"), so the
// device and its platform have them no more once started. The sensor drivers' factories go with EspruinoSensors.open,
// which the minifier folds them into; the readings they made keep what they
// need. The client renews its subscriptions at every connect from its own
// table, without subscribe() (`subscriptionSlot`, which only subscribe and
// unsubscribe call, is made at each call instead: build/on-call-functions.mjs,
// firmware loaded 568 -> 564); one-shot timers (after, and `fire` above)
// and pin watches (gpio.watch and `watchPin`; the watches stay) are for
// starting. Storage goes whole with `espruinoStorage` above, unless the client
// keeps it to save a session.
export const BOOT_ONLY_METHODS = [
  "DeviceProgram.start",
  "MqttClient.subscribe",
  "MqttClient.unsubscribe",
  "EspruinoTimers.every",
  "EspruinoTimers.after",
  "EspruinoGpio.mode",
  "EspruinoGpio.watch",
  "EspruinoSensors.open",
  "EspruinoWifi.setHostname",
  "EspruinoWifi.ip",
  "EspruinoWifi.leave",
];

// The rare functions of the device and library bundles are made at each call
// from the bundle's text instead of staying in memory (build/on-call-functions.mjs):
// ESP8266 firmware connected 838 -> 728 variables, the library loaded 578 -> 468
// (`ESPRUINO_ONLY=memory npm run test:espruino`, 1,600-variable pool). These
// run per message or per tick and stay, with KEEP_PARAMS and HOT_METHODS: a
// call through a dispatcher reads its whole group's text. Found by counting
// the calls through the dispatchers (FABMQTT_COUNT_ON_CALL=1 builds bundles
// that count into the global $$C) over 300 publishes at QoS 0/1/2 with a
// sensor, a relay and discovery, and over 40 QoS 0 and 16 QoS 1 publishes of
// the library: each name here was called about once a message or a tick,
// every other at most a few times. The device takes a command now and then,
// the library may receive messages all the time: what reads a received
// PUBLISH stays in the library only ("@library"), and so do its 100 ms tick
// and the QoS 2 acks (two calls per QoS 2 message through a dispatcher halved
// the library's QoS 2 rate; a device publishes at QoS 2 seldom, and its bound
// has no room). A name that is no function of a device bundle stops the build.
export const RESIDENT = [
  "checkTopicName",
  "MqttClient.prototype.publishQueued_",
  "MqttClient.prototype.nextId_",
  "MqttClient.prototype.sendMessage_",
  "outboxFindId",
  "outboxOldest",
  "outboxStart",
  "subscriptionTakes",
  "subscriptionOfRequest",
  "publishPacket",
  "checkedPublishPacket",
  "framerPush",
  "decodeReceived",
  "decodePublish@library",
  "fromWire@library",
  "payloadText@library",
  "ackPacket",
  "validId",
  "stateText",
  "pinIn",
  "EspruinoGpio.prototype.call_",
  "MqttClient.prototype.tick@library",
  "MqttClient.prototype.onQos2Ack_@library",
];

// The text a dispatcher holds at most: a call through it reads all of it,
// about 0.5 ms a KB from Storage on the Linux build. The ESP8266 firmware
// with a sensor, a relay and discovery makes 35 such calls from start() to
// connected, which took 63 ms before, 118 ms with groups of 2,500 bytes,
// 190 ms with 5,000 (11 variables fewer connected) and 320 ms with one group
// (20 fewer). Updates over MQTT (firmware/app/device-ota.ts) added 4.5 KB of
// such text: with groups of 2,500 bytes it made one group more, and the ESP8266
// firmware with every feature 917 variables connected (over its bound of 914);
// with 3,000, 912 (777 -> 780 without features).
export const ON_CALL_GROUP_BYTES = 3000;
