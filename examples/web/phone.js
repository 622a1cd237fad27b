// cndr party game, phone controller: join a room by its code as a player (answer the questions) or as the
// audience (vote in the polls). A player's seat (clientId + seatToken) is kept in sessionStorage and presented
// on every reconnection, so a dropped connection or a page reload comes back in the same seat.
"use strict";

const $ = (id) => document.getElementById(id);
let socket;
let role;
let roomCode;
let answeredRound = 0;

const seatKey = () => `cndr:seat:${roomCode}`;

function auth(name) {
  const base = { roomCode, role, meta: name ? { playerName: name } : {} };
  if (role !== "player") return base;
  const seat = JSON.parse(sessionStorage.getItem(seatKey()) || "null");
  return seat ? { ...base, clientId: seat.clientId, seatToken: seat.seatToken } : base;
}

function status(text) {
  $("status").textContent = text;
}

function choices(prompt, options, onPick) {
  $("prompt").classList.remove("hidden");
  $("prompt-text").textContent = prompt;
  $("choices").replaceChildren(...options.map((text, i) => {
    const b = document.createElement("button");
    b.className = "choice";
    b.textContent = text;
    b.dataset.option = String(i);
    b.addEventListener("click", async () => {
      for (const other of $("choices").children) other.disabled = true;
      b.classList.add("picked");
      await onPick(i);
    });
    return b;
  }));
}

function hidePrompt() {
  $("prompt").classList.add("hidden");
  $("choices").replaceChildren();
}

async function send(command, payload) {
  const ack = await socket.timeout(10000).emitWithAck(command, payload);
  if (ack.status !== "ok") status(`${ack.error.code}: ${ack.error.message}`);
  return ack.status === "ok";
}

function onGameState(state) {
  if (!state || role !== "player") return;
  if (state.phase === "question") {
    if (answeredRound === state.round) return;
    status(`Round ${state.round}`);
    choices(state.question, state.options, async (i) => {
      if (await send("message_to_host", { message: { round: state.round, answer: i } })) {
        answeredRound = state.round;
        status("Answer locked in!");
      }
    });
  } else if (state.phase === "reveal") {
    hidePrompt();
    status(`The answer was ${state.options[state.correct]}`);
  }
}

function onPlayerState(state) {
  if (!state) return;
  $("score").textContent = `${state.correct ? "Correct!" : state.answered ? "Not this time." : "Too slow!"} Score: ${state.score}`;
  document.body.dataset.scored = String(state.round);
}

function onPoll(poll) {
  status("Vote: which answer is right?");
  choices(poll.question, poll.options, async (i) => {
    if (await send("poll_response", { pollId: poll.pollId, response: `option_${i}` })) status("Vote counted!");
  });
}

function join(code, name, asRole) {
  roomCode = code;
  role = asRole;
  socket = io({ auth: (cb) => cb(auth(name)) });
  socket.on("connect_error", (err) => {
    const code = err.data && err.data.code;
    if (code === "SEAT_NOT_FOUND" || code === "INVALID_SEAT_TOKEN") sessionStorage.removeItem(seatKey());
    $("join-error").textContent = err.message;
  });
  socket.on("handshake_response", (r) => {
    if (r.status !== "success") { $("join-error").textContent = r.error.message; return; }
    if (r.seatToken) sessionStorage.setItem(seatKey(), JSON.stringify({ clientId: r.clientId, seatToken: r.seatToken }));
    $("join").classList.add("hidden");
    $("game").classList.remove("hidden");
    $("who").textContent = `${name || role} · room ${r.roomCode}${r.reconnected ? " (welcome back)" : ""}`;
    document.body.dataset.joined = role;
    status(r.hostConnected ? "Waiting for the next round…" : "Waiting for the host…");
    onGameState(r.gameState);
    onPlayerState(r.playerState);
    for (const poll of r.polls || []) onPoll(poll);
  });
  socket.on("game_state", (s) => onGameState(s.state));
  socket.on("player_state", (s) => onPlayerState(s.state));
  socket.on("poll_started", onPoll);
  socket.on("poll_ended", () => { hidePrompt(); status("Voting closed."); });
  socket.on("host_disconnected", () => status("The host stepped away…"));
  socket.on("host_connected", () => status("The host is back."));
  socket.on("room_closed", () => { hidePrompt(); status("The room is closed. Thanks for playing!"); });
  socket.on("relay_error", (e) => status(`${e.code}: ${e.message}`));
}

$("join").addEventListener("submit", (e) => {
  e.preventDefault();
  join($("room").value.trim().toUpperCase(), $("name").value.trim(), $("role").value);
});
const params = new URLSearchParams(location.search);
if (params.get("room")) $("room").value = params.get("room").toUpperCase();
