// A whole cndr round with the official socket.io-client: host, a player and an audience member;
// game state, private player state, a message to the host, a poll with results, and closing the room.
//   node examples/quickstart.mjs http://127.0.0.1:3000 ROOMCODE HOSTKEY [PASSWORD]
// (npm install in examples/ first). Exits 0 when every step worked, 1 otherwise; never runs longer than 20 s.
import { io } from "socket.io-client";

const [url = "http://127.0.0.1:3000", roomCode, hostKey, password] = process.argv.slice(2);
if (!roomCode || !hostKey) {
  console.error("usage: node quickstart.mjs URL ROOMCODE HOSTKEY [PASSWORD]");
  process.exit(2);
}
setTimeout(() => { console.error("quickstart: timed out"); process.exit(1); }, 20_000).unref();

const once = (socket, event) => new Promise((resolve) => socket.once(event, resolve));
const step = (text) => console.log("-", text);

const host = io(url, { auth: { roomCode, role: "host", hostKey } });
const hostHello = await once(host, "handshake_response");
if (hostHello.status !== "success") throw new Error("host refused: " + JSON.stringify(hostHello.error));
step(`host joined room ${hostHello.roomCode}`);

// Listen before acting: the host may hear of the player before the player hears back.
const playerJoined = once(host, "client_joined");
const player = io(url, { auth: { roomCode, role: "player", password, meta: { playerName: "Ann" } } });
const playerHello = await once(player, "handshake_response");
if (playerHello.status !== "success") throw new Error("player refused: " + JSON.stringify(playerHello.error));
const joined = await playerJoined;
step(`player ${joined.meta.playerName} joined as ${joined.clientId} (seat token kept by the player)`);

const audienceJoined = once(host, "client_joined");
const audience = io(url, { auth: { roomCode, role: "audience" } });
await once(audience, "handshake_response");
await audienceJoined;
step("an audience member joined");

const gotState = once(player, "game_state");
const ack = await host.emitWithAck("set_game_state", { state: { round: 1, board: ["x", null, "o"] } });
const state = await gotState;
step(`game state rev ${ack.rev} reached the player: ${JSON.stringify(state.state)}`);

const gotPrivate = once(player, "player_state");
await host.emitWithAck("set_player_state", { clientId: playerHello.clientId, state: { hand: ["A", "K"] } });
step(`private state reached its player only: ${JSON.stringify((await gotPrivate).state)}`);

const gotMessage = once(host, "client_message");
await player.emitWithAck("message_to_host", { message: { move: 4 } });
const m = await gotMessage;
step(`host got a message from ${m.role} ${m.clientId}: ${JSON.stringify(m.message)}`);

const gotPoll = once(audience, "poll_started");
await host.emitWithAck("poll_start", { pollId: "colour", type: "single_choice", question: "Red or blue?", options: ["red", "blue"] });
const poll = await gotPoll;
await audience.emitWithAck("poll_response", { pollId: poll.pollId, response: "option_1" });
await host.emitWithAck("poll_end", { pollId: "colour" });
const results = await host.emitWithAck("poll_results_request", { pollId: "colour" });
step(`poll results: ${JSON.stringify(results.results)}`);
if (results.results.option_1 !== 1 || results.results.totalResponses !== 1) throw new Error("unexpected poll results");

const closed = once(player, "room_closed");
await host.emitWithAck("close_room");
step(`room closed (${(await closed).reason})`);
for (const s of [host, player, audience]) s.close();
console.log("quickstart: a whole round worked");
process.exit(0);
