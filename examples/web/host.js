// cndr party game, host screen: the big screen everyone looks at. It joins as the room's host, lists the
// players (client_joined / client_disconnected / client_left), runs rounds with set_game_state, collects the
// players' answers (client_message), scores them privately (set_player_state) and runs an audience vote on
// each question (poll_start / poll_results).
"use strict";

const QUESTIONS = [
  { question: "Which planet is the largest?", options: ["Mars", "Jupiter", "Venus", "Mercury"], correct: 1 },
  { question: "How many legs has a spider?", options: ["6", "8", "10", "12"], correct: 1 },
  { question: "Which is not a programming language?", options: ["C#", "Rust", "Gouda", "Go"], correct: 2 },
];

const $ = (id) => document.getElementById(id);
const players = new Map(); // clientId -> { name, connected, score }
const answers = new Map(); // clientId -> option index, this round
let audience = 0;
let round = 0;
let phase = "lobby";
let socket;

function render() {
  $("players").replaceChildren(...[...players].map(([id, p]) => {
    const li = document.createElement("li");
    li.className = p.connected ? "" : "away";
    li.dataset.clientId = id;
    const done = phase === "question" && answers.has(id) ? ' <span class="answered">✔</span>' : "";
    li.innerHTML = `<span>${escapeHtml(p.name)}${done}</span><span>${p.score}</span>`;
    return li;
  }));
  $("player-count").textContent = `(${players.size})`;
  $("audience-count").textContent = String(audience);
  $("start").disabled = players.size === 0 || phase === "question";
  $("start").textContent = round === 0 ? "Start round" : "Next round";
  $("reveal").classList.toggle("hidden", phase !== "question");
  const connected = [...players.values()].filter((p) => p.connected).length;
  $("answers").textContent = phase === "question" ? `${answers.size} / ${connected} answered` : "";
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

function showQuestion(q, correct) {
  $("question").textContent = q.question;
  $("options").replaceChildren(...q.options.map((text, i) => {
    const div = document.createElement("div");
    div.textContent = text;
    if (i === correct) div.className = "correct";
    return div;
  }));
}

function showPoll(results, options, active) {
  $("poll-state").textContent = active ? "(voting…)" : "(closed)";
  const total = results.totalResponses || 0;
  $("poll").replaceChildren(...options.map((text, i) => {
    const n = results[`option_${i}`] || 0;
    const row = document.createElement("div");
    row.className = "bar";
    row.innerHTML = `<span>${escapeHtml(text)}</span><div class="fill" style="width:${total ? (100 * n) / total : 0}%"></div><b>${n}</b>`;
    return row;
  }));
  $("poll").dataset.total = String(total);
}

async function call(command, payload) {
  const ack = await socket.timeout(10000).emitWithAck(command, payload);
  if (ack.status !== "ok") throw new Error(`${command}: ${ack.error.code} ${ack.error.message}`);
  return ack;
}

async function startRound() {
  round += 1;
  phase = "question";
  answers.clear();
  const q = QUESTIONS[(round - 1) % QUESTIONS.length];
  await call("set_game_state", { state: { phase, round, question: q.question, options: q.options } });
  await call("poll_start", { pollId: `round${round}`, type: "single_choice", question: q.question, options: q.options });
  showQuestion(q);
  showPoll({}, q.options, true);
  $("phase").textContent = `Round ${round}`;
  render();
}

async function reveal() {
  const q = QUESTIONS[(round - 1) % QUESTIONS.length];
  phase = "reveal";
  render();
  await call("poll_end", { pollId: `round${round}` });
  const poll = await call("poll_results_request", { pollId: `round${round}` });
  showPoll(poll.results, q.options, false);
  for (const [clientId, p] of players) {
    const correct = answers.get(clientId) === q.correct;
    if (correct) p.score += 1;
    await call("set_player_state", { clientId, state: { round, correct, answered: answers.has(clientId), score: p.score } });
  }
  const scores = [...players.values()].map((p) => ({ name: p.name, score: p.score }));
  await call("set_game_state", { state: { phase, round, question: q.question, options: q.options, correct: q.correct, scores } });
  showQuestion(q, q.correct);
  $("phase").textContent = `Round ${round}: the answer is ${q.options[q.correct]}`;
  document.body.dataset.revealed = String(round);
  render();
}

function open(roomCode, hostKey) {
  socket = io({ auth: { roomCode, role: "host", hostKey } });
  socket.on("connect_error", (err) => { $("login-error").textContent = err.message; });
  socket.on("handshake_response", (r) => {
    if (r.status !== "success") { $("login-error").textContent = r.error.message; return; }
    players.clear();
    audience = 0;
    for (const c of r.clients || []) {
      if (c.role === "player") players.set(c.clientId, { name: c.meta.playerName || "player", connected: c.connected, score: 0 });
      else if (c.connected) audience += 1;
    }
    $("login").classList.add("hidden");
    $("screen").classList.remove("hidden");
    $("code").textContent = r.roomCode;
    $("join-url").textContent = `${location.origin}/play`;
    document.body.dataset.joined = "host";
    render();
  });
  socket.on("client_joined", (c) => {
    if (c.role === "player") {
      const known = players.get(c.clientId);
      players.set(c.clientId, { name: c.meta.playerName || "player", connected: true, score: known ? known.score : 0 });
    } else {
      audience += 1;
    }
    render();
  });
  socket.on("client_disconnected", (c) => {
    const p = players.get(c.clientId);
    if (p) p.connected = false;
    render();
  });
  socket.on("client_left", (c) => {
    if (c.role === "player") players.delete(c.clientId);
    else audience = Math.max(0, audience - 1);
    render();
  });
  socket.on("client_message", (m) => {
    const answer = m.message && m.message.answer;
    if (phase === "question" && m.role === "player" && Number.isInteger(answer) && m.message.round === round) {
      answers.set(m.clientId, answer);
      render();
    }
  });
  socket.on("room_closed", (c) => { $("phase").textContent = `Room closed (${c.reason})`; });
}

$("start").addEventListener("click", () => startRound().catch((e) => { $("phase").textContent = e.message; }));
$("reveal").addEventListener("click", () => reveal().catch((e) => { $("phase").textContent = e.message; }));
$("login").addEventListener("submit", (e) => {
  e.preventDefault();
  open($("room").value.trim().toUpperCase(), $("key").value.trim());
});

const params = new URLSearchParams(location.search);
if (params.get("room") && params.get("key")) open(params.get("room").toUpperCase(), params.get("key"));
