// A fault-injecting TCP proxy between the SDK and a real server, like the
// Rust SDK's (crates/tally-client/tests/sdk/faults.rs): it resets connections
// on accept, resets them after the request was forwarded (the server may or
// may not have finished), drops the response after the server committed, and
// delays responses past the client's timeout.

import { connect, createServer } from "node:net";

/** A seeded generator (mulberry32), so a run's faults can be replayed. */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const HAVOC = {
  resetOnAccept: 0.1,
  resetAfterRequest: 0.15,
  dropResponse: 0.2,
  delayResponse: 0.15,
  maxDelayMs: 600,
  /** The first four connections each meet one fault for certain. */
  forceEachKindFirst: true,
};

/** Every request reaches the server and commits; every answer is lost. */
export const LOSE_EVERY_ANSWER = {
  resetOnAccept: 0,
  resetAfterRequest: 0,
  dropResponse: 1,
  delayResponse: 0,
  maxDelayMs: 0,
  forceEachKindFirst: false,
};

/** Every response is held back `ms`, then passed on whole. */
export const delayEveryAnswer = (ms) => ({
  resetOnAccept: 0,
  resetAfterRequest: 0,
  dropResponse: 0,
  delayResponse: 1,
  maxDelayMs: ms,
  fixedDelay: true,
  forceEachKindFirst: false,
});

const FORCED = ["resetOnAccept", "resetAfterRequest", "dropResponse", "delayResponse"];

/** Closes with RST instead of FIN: what a crashed peer or a middlebox does. */
function reset(socket) {
  if (typeof socket.resetAndDestroy === "function") socket.resetAndDestroy();
  else socket.destroy();
}

export async function startProxy(upstreamUrl, plan, seed = 1) {
  const upstream = new URL(upstreamUrl);
  const random = seeded(seed);
  const chance = (p) => random() < p;
  const counts = { connections: 0, resetsOnAccept: 0, resetsAfterRequest: 0, droppedResponses: 0, delays: 0 };
  const sockets = new Set();
  /** `onHold(statusLine)`, when set, hears of every response held back. */
  const proxy = { onHold: undefined };
  const server = createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => {});
    const n = counts.connections++;
    const forced = plan.forceEachKindFirst && n < FORCED.length ? FORCED[n] : undefined;
    if (forced === "resetOnAccept" || chance(plan.resetOnAccept)) {
      counts.resetsOnAccept++;
      return reset(client);
    }
    client.pause();
    const up = connect(Number(upstream.port), upstream.hostname);
    sockets.add(up);
    up.on("close", () => sockets.delete(up));
    up.on("error", () => reset(client));
    let done = false;
    // Set once the connection is doomed: no more of the response gets through.
    let doomed = false;
    const fault = () => {
      if (done) return;
      done = true;
      up.destroy();
      reset(client);
    };
    client.on("close", () => up.destroy());
    up.on("close", () => {
      if (!done) client.end();
    });
    up.on("connect", () => {
      client.resume();
      client.on("data", (chunk) => {
        if (done) return;
        up.write(chunk);
        if (forced === "resetAfterRequest" || chance(plan.resetAfterRequest)) {
          counts.resetsAfterRequest++;
          doomed = true;
          // Give the request a moment to reach the server first.
          setTimeout(fault, 5);
        }
      });
    });
    // Responses pass in order: each chunk waits for the one before it.
    let queue = Promise.resolve();
    up.on("data", (chunk) => {
      queue = queue.then(async () => {
        if (done || doomed) return;
        let fate = "pass";
        if (forced === "dropResponse") fate = "drop";
        else if (forced === "delayResponse") fate = "delay";
        else if (chance(plan.dropResponse)) fate = "drop";
        else if (chance(plan.delayResponse)) fate = "delay";
        if (fate === "drop") {
          counts.droppedResponses++;
          return fault();
        }
        if (fate === "delay") {
          counts.delays++;
          // Who wants to know: the server has answered, the client has not heard yet.
          proxy.onHold?.(chunk.subarray(0, 64).toString("latin1").split("\r\n")[0]);
          const pause = plan.fixedDelay || forced ? plan.maxDelayMs : plan.maxDelayMs * (0.2 + 0.8 * random());
          await new Promise((r) => setTimeout(r, pause));
        }
        if (!done && !doomed) client.write(chunk);
      });
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  Object.assign(proxy, {
    url: `http://127.0.0.1:${port}`,
    counts,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => server.close(r));
    },
  });
  return proxy;
}
