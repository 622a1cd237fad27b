// The helper against a running node: joins, keeps the seat, reclaims it after a dropped connection, refuses
// a wrong host key with its code, and forgets the seat on leave.
//   node test/reclaim.mjs URL ROOMCODE HOSTKEY   (after `npm run build`). Exits 0 when every check held.
import { joinRoom, JoinError, memoryStorage, seatKey } from "../dist/index.js";

const [url, roomCode, hostKey] = process.argv.slice(2);
setTimeout(() => { console.error("reclaim: timed out"); process.exit(1); }, 20_000).unref();
const once = (socket, event) => new Promise((resolve) => socket.once(event, resolve));
const check = (ok, text) => {
  if (!ok) throw new Error("check failed: " + text);
  console.log("-", text);
};

try {
  await joinRoom({ url, roomCode, role: "host", hostKey: "wrong" });
  check(false, "a wrong host key is refused");
} catch (e) {
  check(e instanceof JoinError && e.code === "INVALID_HOST_KEY", `a wrong host key is refused (${e.code})`);
}

const host = await joinRoom({ url, roomCode, role: "host", hostKey });
check(host.hello.role === "host" && host.seat() === null, "host joined (no seat to keep)");

const storage = memoryStorage();
const joinedEvent = once(host.socket, "client_joined");
const player = await joinRoom({ url, roomCode, role: "player", meta: { playerName: "Ann" }, storage, socketOptions: { reconnectionDelay: 100, reconnectionDelayMax: 200 } });
const seat = player.seat();
check(seat && seat.clientId === player.hello.clientId && seat.seatToken.length >= 20, "player seat stored (clientId + seatToken)");
check(storage.getItem(seatKey(roomCode)) !== null, "seat kept in the given storage");
check((await joinedEvent).reconnected === false, "host saw the player join");

// Drop the connection under the socket (as a network loss would): socket.io-client reconnects by itself and
// the helper's auth presents the stored seat.
const gone = once(host.socket, "client_disconnected");
const back = once(host.socket, "client_joined");
const again = once(player.socket, "handshake_response");
player.socket.io.engine.close();
check((await gone).clientId === seat.clientId, "host saw the player's connection drop");
const hello = await again;
check(hello.status === "success" && hello.reconnected === true && hello.clientId === seat.clientId, "player reclaimed its seat after reconnecting");
const rejoined = await back;
check(rejoined.reconnected === true && rejoined.clientId === seat.clientId, "host saw the same seat come back");

const gotState = once(player.socket, "game_state");
const ack = await host.socket.emitWithAck("set_game_state", { state: { round: 2 } });
check(ack.status === "ok" && (await gotState).rev === ack.rev, "the reclaimed seat receives game state");

const left = once(host.socket, "client_left");
await player.leave();
check((await left).reason === "left" && storage.getItem(seatKey(roomCode)) === null, "leave freed the seat and forgot it");
host.socket.close();
console.log("reclaim: the helper kept the seat");
process.exit(0);
