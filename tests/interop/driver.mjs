// A remote-controlled pool of official socket.io-client 4.x sockets, for the xunit integration tests.
// Reads one JSON command per line on stdin, answers one JSON line per command on stdout:
//   {"seq":1,"op":"connect","name":"host","url":"http://127.0.0.1:1234","options":{...}}
//     -> {"seq":1,"ok":true,"connected":true,"id":"..."} or {"seq":1,"ok":true,"connected":false,"error":{"message","data"}}
//   {"seq":2,"op":"emit","name":"host","event":"set_game_state","args":[{...}],"ack":true,"timeoutMs":3000}
//     -> {"seq":2,"ok":true,"ack":[...]}   (without ack: {"seq":2,"ok":true})
//   {"seq":3,"op":"next","name":"p1","event":"game_state","timeoutMs":3000}
//     -> {"seq":3,"ok":true,"args":[...]} (the oldest unread event of that name; waits for it)
//   {"seq":4,"op":"none","name":"p1","event":"game_state","waitMs":200} -> ok:true when none arrived
//   {"seq":5,"op":"drain","name":"p1"} -> {"ok":true,"events":[{"event","args"}...]} (all unread)
//   {"seq":6,"op":"disconnect","name":"p1"}, {"seq":7,"op":"transport","name":"p1"} -> {"transport":"websocket"}
//   {"seq":8,"op":"quit"}
// Connection life events are recorded as events too: "connect", "disconnect" (args: [reason]), "connect_error".
// Every wait is bounded; the process exits by itself when stdin closes.
import { io } from "socket.io-client";
import readline from "node:readline";

const sockets = new Map(); // name -> { socket, inbox: [{event,args}], waiters: [] }

function reply(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

function record(entry, event, args) {
  entry.inbox.push({ event, args });
  for (const w of [...entry.waiters]) w();
}

function takeNext(entry, event) {
  const i = entry.inbox.findIndex((e) => e.event === event);
  if (i < 0) return undefined;
  return entry.inbox.splice(i, 1)[0];
}

function waitFor(entry, event, timeoutMs) {
  return new Promise((resolve) => {
    const hit = takeNext(entry, event);
    if (hit) return resolve(hit);
    let timer;
    const check = () => {
      const e = takeNext(entry, event);
      if (e) {
        clearTimeout(timer);
        entry.waiters.splice(entry.waiters.indexOf(check), 1);
        resolve(e);
      }
    };
    entry.waiters.push(check);
    timer = setTimeout(() => {
      entry.waiters.splice(entry.waiters.indexOf(check), 1);
      resolve(undefined);
    }, timeoutMs);
  });
}

function toJson(v) {
  // Buffers/ArrayBuffers (binary payloads) travel as {"$binary":"<base64>"}.
  if (v instanceof ArrayBuffer) return { $binary: Buffer.from(v).toString("base64") };
  if (ArrayBuffer.isView(v)) return { $binary: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") };
  if (Array.isArray(v)) return v.map(toJson);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  return v;
}

function fromJson(v) {
  if (Array.isArray(v)) return v.map(fromJson);
  if (v && typeof v === "object") {
    if (typeof v.$binary === "string" && Object.keys(v).length === 1) return Buffer.from(v.$binary, "base64");
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromJson(x)]));
  }
  return v;
}

async function handle(cmd) {
  const { seq, op, name } = cmd;
  switch (op) {
    case "connect": {
      const old = sockets.get(name);
      if (old) old.socket.close();
      const options = { reconnection: false, timeout: 5000, forceNew: true, ...(cmd.options || {}) };
      const socket = io(cmd.url, options);
      const entry = { socket, inbox: [], waiters: [] };
      sockets.set(name, entry);
      socket.onAny((event, ...args) => record(entry, event, toJson(args)));
      socket.on("disconnect", (reason) => record(entry, "disconnect", [reason]));
      socket.io.on("reconnect", () => record(entry, "reconnect", []));
      const outcome = await new Promise((resolve) => {
        const t = setTimeout(() => resolve({ connected: false, error: { message: "driver timeout" } }), cmd.timeoutMs ?? 5000);
        socket.once("connect", () => {
          clearTimeout(t);
          resolve({ connected: true, id: socket.id, transport: socket.io.engine?.transport?.name });
        });
        socket.once("connect_error", (err) => {
          clearTimeout(t);
          record(entry, "connect_error", [{ message: err.message, data: err.data ?? null }]);
          resolve({ connected: false, error: { message: err.message, data: err.data ?? null } });
        });
      });
      if (outcome.connected) record(entry, "connect", []);
      return reply({ seq, ok: true, ...outcome });
    }
    case "emit": {
      const entry = sockets.get(name);
      if (!entry) return reply({ seq, ok: false, error: `no socket ${name}` });
      const args = fromJson(cmd.args || []);
      if (!cmd.ack) {
        entry.socket.emit(cmd.event, ...args);
        return reply({ seq, ok: true });
      }
      try {
        const res = await entry.socket.timeout(cmd.timeoutMs ?? 3000).emitWithAck(cmd.event, ...args);
        return reply({ seq, ok: true, ack: toJson([res]) });
      } catch (e) {
        return reply({ seq, ok: false, error: `ack timeout: ${e.message}` });
      }
    }
    case "next": {
      const entry = sockets.get(name);
      if (!entry) return reply({ seq, ok: false, error: `no socket ${name}` });
      const e = await waitFor(entry, cmd.event, cmd.timeoutMs ?? 3000);
      if (!e) return reply({ seq, ok: false, error: `no '${cmd.event}' on ${name} within ${cmd.timeoutMs ?? 3000} ms`, unread: entry.inbox.map((x) => x.event) });
      return reply({ seq, ok: true, args: e.args });
    }
    case "none": {
      const entry = sockets.get(name);
      if (!entry) return reply({ seq, ok: false, error: `no socket ${name}` });
      const e = await waitFor(entry, cmd.event, cmd.waitMs ?? 200);
      return reply(e ? { seq, ok: false, error: `unexpected '${cmd.event}' on ${name}`, args: e.args } : { seq, ok: true });
    }
    case "drain": {
      const entry = sockets.get(name);
      if (!entry) return reply({ seq, ok: false, error: `no socket ${name}` });
      const events = entry.inbox.splice(0);
      return reply({ seq, ok: true, events });
    }
    case "transport": {
      const entry = sockets.get(name);
      return reply({ seq, ok: true, transport: entry?.socket.io.engine?.transport?.name ?? null, connected: entry?.socket.connected ?? false });
    }
    case "disconnect": {
      const entry = sockets.get(name);
      if (entry) entry.socket.disconnect();
      return reply({ seq, ok: true });
    }
    case "quit": {
      for (const { socket } of sockets.values()) socket.close();
      reply({ seq, ok: true });
      process.exit(0);
    }
    default:
      return reply({ seq, ok: false, error: `unknown op ${op}` });
  }
}

const rl = readline.createInterface({ input: process.stdin });
rl.on("line", (line) => {
  if (!line.trim()) return;
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch {
    return reply({ seq: -1, ok: false, error: "bad json" });
  }
  handle(cmd).catch((e) => reply({ seq: cmd.seq, ok: false, error: String(e?.stack || e) }));
});
rl.on("close", () => {
  for (const { socket } of sockets.values()) socket.close();
  process.exit(0);
});
// A hard stop so a lost test run never leaves the driver behind.
setTimeout(() => process.exit(3), 15 * 60 * 1000).unref();
