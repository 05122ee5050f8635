/**
 * A scripted broker on a FakeNet: accepts connections, answers CONNECT with a
 * CONNACK (code and session-present as configured), acknowledges QoS 1/2
 * publishes, SUBSCRIBE and UNSUBSCRIBE, answers PINGREQ, and records every
 * message the client published. Each behaviour can be switched off, so tests
 * can play the broker by hand where they need to.
 */
import type { FakeConnection, FakeNet, ParsedPacket } from "../../scripts/support/fake-net";

export interface BrokerScript {
  connackCode: number;
  sessionPresent: boolean;
  /** Answer CONNECT at all. */
  answerConnect: boolean;
  /** Acknowledge PUBLISH (PUBACK / PUBREC) and PUBREL (PUBCOMP). */
  ackPublishes: boolean;
  answerPings: boolean;
  ackSubscribes: boolean;
  /** SUBACK codes by filter (default: the QoS asked). */
  grant: Record<string, number>;
}

export class ScriptedBroker {
  readonly script: BrokerScript = {
    connackCode: 0,
    sessionPresent: false,
    answerConnect: true,
    ackPublishes: true,
    answerPings: true,
    ackSubscribes: true,
    grant: {},
  };
  /** Application messages the broker accepted, in order (QoS 2 counted at PUBLISH). */
  readonly published: ParsedPacket[] = [];
  private seen = new Map<FakeConnection, number>();

  constructor(readonly net: FakeNet) {
    net.onConnection = (c) => c.accept();
  }

  /** Answers everything the client sent since the last call, on every open connection. */
  step(): void {
    for (const c of this.net.connections) {
      if (c.closed) continue;
      let from = this.seen.get(c) || 0;
      while (from < c.received.length) this.answer(c, c.received[from++]);
      this.seen.set(c, from);
    }
  }

  /** step() and flush() until quiet. */
  run(): void {
    for (let i = 0; i < 100; i++) {
      this.net.flush();
      const before = this.net.connections.reduce((n, c) => n + c.received.length, 0);
      this.step();
      this.net.flush();
      const after = this.net.connections.reduce((n, c) => n + c.received.length, 0);
      if (after === before) return;
    }
  }

  private answer(c: FakeConnection, p: ParsedPacket): void {
    const s = this.script;
    switch (p.cmd) {
      case "connect":
        if (s.answerConnect) c.send({ cmd: "connack", returnCode: s.connackCode, sessionPresent: s.connackCode === 0 && s.sessionPresent });
        break;
      case "publish":
        if (!s.ackPublishes) break;
        this.published.push(p);
        if (p.qos === 1) c.send({ cmd: "puback", messageId: p.messageId });
        if (p.qos === 2) c.send({ cmd: "pubrec", messageId: p.messageId });
        break;
      case "pubrel":
        if (s.ackPublishes) c.send({ cmd: "pubcomp", messageId: p.messageId });
        break;
      case "subscribe":
        if (s.ackSubscribes)
          c.send({ cmd: "suback", messageId: p.messageId, granted: p.subscriptions.map((x: any) => (x.topic in s.grant ? s.grant[x.topic] : x.qos)) });
        break;
      case "unsubscribe":
        if (s.ackSubscribes) c.send({ cmd: "unsuback", messageId: p.messageId });
        break;
      case "pingreq":
        if (s.answerPings) c.send({ cmd: "pingresp" });
        break;
    }
  }
}
