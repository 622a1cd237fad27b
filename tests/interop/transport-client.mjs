// Interop driver: the official socket.io-client against a cndr transport test server.
// usage: node transport-client.mjs <url> <polling|websocket|default>
// Prints one JSON line {"ok":bool,"results":[{name,ok,detail}]} and exits 0 when every check passed.
import { io } from "socket.io-client";

const [url, mode] = process.argv.slice(2);
const transports = mode === "polling" ? ["polling"] : mode === "websocket" ? ["websocket"] : ["polling", "websocket"];
const opts = { transports, reconnection: false, timeout: 5000, forceNew: true };
const results = [];
const check = (name, ok, detail) => results.push({ name, ok: !!ok, detail: detail === undefined ? undefined : String(detail) });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const withTimeout = (p, ms, what) => Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error("timeout: " + what)), ms))]);
const once = (s, ev) => new Promise((r) => s.once(ev, (...a) => r(a)));
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const bytes = (b) => (b ? Array.from(new Uint8Array(b)) : null);

async function main() {
  // 1. refused connect carries message and data
  {
    const s = io(url, { ...opts, auth: { refuse: true } });
    const [err] = await withTimeout(once(s, "connect_error"), 5000, "connect_error");
    check("refused connect: message", err.message === "refused", err.message);
    check("refused connect: data", err.data && err.data.code === "NOPE", JSON.stringify(err.data));
    s.close();
  }

  // 2. connect with auth; the server greets with the auth it saw
  const s = io(url, { ...opts, auth: { token: "abc" } });
  const welcome = once(s, "welcome");
  await withTimeout(once(s, "connect"), 5000, "connect");
  check("connect", s.connected);
  const [auth] = await withTimeout(welcome, 5000, "welcome");
  check("auth seen by server", same(auth, { token: "abc" }), JSON.stringify(auth));

  // 3. events both ways (plain)
  {
    const p = once(s, "echo-back");
    s.emit("echo", 1, "two", { three: [true] }, "é✓");
    const args = await withTimeout(p, 5000, "echo-back");
    check("event round trip", same(args, [1, "two", { three: [true] }, "é✓"]), JSON.stringify(args));
  }

  // 4. binary both ways
  {
    const p = once(s, "echo-back");
    s.emit("echo", Buffer.from([1, 2, 3]), { nested: Buffer.from([4, 5]) });
    const [b1, o] = await withTimeout(p, 5000, "echo-back binary");
    check("binary round trip", same(bytes(b1), [1, 2, 3]) && same(bytes(o.nested), [4, 5]), JSON.stringify([bytes(b1), bytes(o && o.nested)]));
  }

  // 5. client → server ack (plain and binary)
  {
    const args = await withTimeout(new Promise((r) => s.emit("ack-me", "x", 42, (...a) => r(a))), 5000, "ack");
    check("client ack", same(args, ["x", 42]), JSON.stringify(args));
    const bargs = await withTimeout(new Promise((r) => s.emit("ack-me", Buffer.from([9, 8]), (...a) => r(a))), 5000, "binary ack");
    check("client ack binary", same(bytes(bargs[0]), [9, 8]), JSON.stringify(bargs));
  }

  // 6. server → client emit with ack
  {
    s.on("question", (q, cb) => cb("answer:" + q));
    const p = once(s, "answer-was");
    s.emit("ask-me");
    const args = await withTimeout(p, 5000, "answer-was");
    check("server emit with ack", same(args, ["answer:life"]), JSON.stringify(args));
  }

  // 7. quiet connection kept alive by server pings (test server pingInterval is short)
  {
    let dropped = null;
    s.once("disconnect", (r) => (dropped = r));
    await sleep(1200);
    check("quiet connection survives heartbeats", dropped === null && s.connected, dropped);
    const p = once(s, "echo-back");
    s.emit("echo", "still");
    const args = await withTimeout(p, 5000, "echo after quiet");
    check("works after quiet period", same(args, ["still"]));
  }

  // 8. transport in use
  {
    const name = s.io.engine.transport.name;
    const expected = mode === "polling" ? "polling" : "websocket";
    check("transport " + expected, name === expected, name);
  }

  // 9. server-side disconnect is seen by the client
  {
    const p = once(s, "disconnect");
    s.emit("kick");
    const [reason] = await withTimeout(p, 5000, "server disconnect");
    check("server disconnect seen", reason === "io server disconnect", reason);
  }

  // 10. client-side disconnect (the test asserts the server saw it)
  {
    const c = io(url, { ...opts, auth: { token: "leaver" } });
    const w = once(c, "welcome");
    await withTimeout(once(c, "connect"), 5000, "connect leaver");
    await withTimeout(w, 5000, "welcome leaver");
    c.disconnect();
    check("client disconnect sent", !c.connected);
    await sleep(300);
  }
}

try {
  await withTimeout(main(), 25000, "whole run");
} catch (e) {
  check("exception", false, e && e.stack ? e.stack : e);
}
const ok = results.length > 0 && results.every((r) => r.ok);
console.log(JSON.stringify({ ok, results }));
process.exit(ok ? 0 : 1);
