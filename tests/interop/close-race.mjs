// A reply followed by a server-side close, with the official socket.io-client 4.x on DEFAULT options
// (long-polling, then the upgrade to WebSocket): the close usually lands while the upgrade is in flight.
//   node close-race.mjs <url> refused <count> <concurrency>
//     each client emits `handshake` with an invalid payload and must get the ack, `handshake_response`
//     and the server's disconnect ("io server disconnect").
//   node close-race.mjs <url> leave <count> <concurrency> <roomCode>
//     each client joins <roomCode> as a player through the connect `auth` (joined once connected), then at once
//     emits `leave`: the ack and the disconnect.
// Every expected item must arrive within LIMIT_MS of the emit. One batch of warm-up clients runs first (the
// node's first requests pay for JIT compilation): they must lose nothing too, but are not timed or counted.
// Prints one JSON line:
//   {"mode","total","lost","late","maxMs","finalTransports":{...},"failures":[first few]}
// and exits 0 only when nothing was lost or late. Bounded: each client gives up after GIVE_UP_MS.
import { io } from "socket.io-client";

const [url, mode, countArg, concurrencyArg, roomCode] = process.argv.slice(2);
const count = Number(countArg ?? 100);
const concurrency = Number(concurrencyArg ?? 20);
const LIMIT_MS = 1000;
const GIVE_UP_MS = 3000;

function once(socket, event, timeoutMs) {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(undefined), timeoutMs);
    socket.once(event, (...args) => {
      clearTimeout(t);
      resolve(args);
    });
  });
}

function emitWithAck(socket, event, payload, timeoutMs) {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(undefined), timeoutMs);
    socket.emit(event, payload, (res) => {
      clearTimeout(t);
      resolve(res);
    });
  });
}

async function one(i) {
  const socket = io(url, {
    reconnection: false,
    forceNew: true,
    timeout: 5000,
    ...(mode === "leave" ? { auth: { roomCode, role: "player", meta: { name: `p${i}` } } } : {}),
    ...(process.env.TRANSPORTS ? { transports: process.env.TRANSPORTS.split(",") } : {}),
  });
  const joined = mode === "leave" ? once(socket, "handshake_response", 5000) : undefined;
  try {
    const connected = await Promise.race([once(socket, "connect", 5000), once(socket, "connect_error", 5000).then(() => undefined)]);
    if (!connected) return { i, error: "no connect" };
    if (mode === "leave") {
      const [response] = (await joined) ?? [];
      if (response?.status !== "success") return { i, error: "join failed: " + JSON.stringify(response) };
    }

    const t0 = performance.now();
    const got = {};
    const stamp = (key) => (v) => {
      if (v !== undefined) got[key] = performance.now() - t0;
      return v;
    };
    const waits = [once(socket, "disconnect", GIVE_UP_MS).then(stamp("disconnect"))];
    let ack;
    if (mode === "refused") {
      waits.push(once(socket, "handshake_response", GIVE_UP_MS).then(stamp("handshake_response")));
      ack = emitWithAck(socket, "handshake", { roomCode: "ZZZZZZ", role: "admin" }, GIVE_UP_MS).then(stamp("ack"));
    } else {
      ack = emitWithAck(socket, "leave", {}, GIVE_UP_MS).then(stamp("ack"));
    }

    const [ackValue, disconnectArgs] = await Promise.all([ack, ...waits]);
    const expected = mode === "refused" ? ["ack", "handshake_response", "disconnect"] : ["ack", "disconnect"];
    const missing = expected.filter((k) => got[k] === undefined);
    const late = expected.filter((k) => got[k] !== undefined && got[k] > LIMIT_MS);
    const okAck = mode === "refused" ? ackValue?.status === "error" : ackValue?.status === "ok";
    return {
      i,
      missing,
      late,
      badAck: ackValue !== undefined && !okAck ? ackValue : undefined,
      reason: disconnectArgs?.[0],
      maxMs: Math.max(0, ...Object.values(got)),
      transport: socket.io.engine?.transport?.name ?? "none",
    };
  } finally {
    socket.close();
  }
}

const warmup = await Promise.all(Array.from({ length: concurrency }, (_, i) => one(-1 - i)));
const warmupLost = warmup.filter((r) => r.error || r.missing.length);
const results = [];
for (let start = 0; start < count; start += concurrency) {
  const batch = [];
  for (let i = start; i < Math.min(count, start + concurrency); i++) batch.push(one(i));
  results.push(...(await Promise.all(batch)));
}

const failures = [...warmupLost, ...results].filter((r) => r.error || r.missing.length || r.late.length || r.badAck || r.reason !== "io server disconnect");
const summary = {
  mode,
  total: results.length,
  lost: results.filter((r) => r.error || r.missing.length).length,
  warmupLost: warmupLost.length,
  late: results.filter((r) => !r.error && !r.missing.length && r.late.length).length,
  wrong: results.filter((r) => !r.error && !r.missing.length && (r.badAck || r.reason !== "io server disconnect")).length,
  maxMs: Math.round(Math.max(0, ...results.map((r) => r.maxMs ?? 0))),
  finalTransports: results.reduce((acc, r) => ((acc[r.transport ?? "none"] = (acc[r.transport ?? "none"] ?? 0) + 1), acc), {}),
  failures: failures.slice(0, 5),
};
process.stdout.write(JSON.stringify(summary) + "\n");
process.exit(failures.length === 0 ? 0 : 1);
