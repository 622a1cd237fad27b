// Type examples checked by `tsc --noEmit -p tsconfig.test.json` (ClientKitTests runs it). Each
// `@ts-expect-error` line is a payload the definitions must refuse: if one is accepted, tsc fails.
import { io, type Socket } from "socket.io-client";
import {
  joinRoom, memoryStorage, type Ack, type ClientList, type ClientToServerEvents, type PollResults, type ServerToClientEvents,
} from "../src/index.js";

type Board = { round: number; cells: (string | null)[] };
type Hand = { cards: string[] };
type Move = { cell: number };

export async function host(url: string, roomCode: string, hostKey: string): Promise<void> {
  const socket: Socket<ServerToClientEvents<Board, Hand, Move>, ClientToServerEvents<Board, Hand, Move>> =
    io(url, { auth: { roomCode, role: "host", hostKey } });

  socket.on("handshake_response", (r) => {
    if (r.status === "success") {
      const held: number = r.clients?.length ?? 0;
      const audience: number = r.audienceCount ?? 0;
      const more: string | null | undefined = r.clientsComplete ? null : r.audienceCursor;
      void [audience, more];
      const rev: number = r.gameStateRev;
      void [held, rev];
    } else {
      const code: string = r.error.code;
      void code;
    }
  });
  socket.on("client_joined", (c) => void c.meta);
  socket.on("client_message", (m) => {
    const cell: number = m.message.cell;
    void cell;
  });
  socket.on("poll_results", (p: PollResults) => void p.results.totalResponses);

  const set: Ack<{ rev: number }> = await socket.emitWithAck("set_game_state", { state: { round: 1, cells: [null, "x"] } });
  if (set.status === "ok") {
    const rev: number = set.rev;
    void rev;
  } else if (set.error.code === "RATE_LIMITED") {
    const wait: number | undefined = set.error.retryAfterMs;
    void wait;
  }
  await socket.emitWithAck("set_player_state", { clientId: "c", state: { cards: ["A"] } });
  await socket.emitWithAck("poll_start", { pollId: "p1", type: "single_choice", question: "?", options: ["a", "b"], durationMs: 30000, liveResults: true });
  socket.on("poll_tally", (t) => void t.results.totalResponses);
  // @ts-expect-error durationMs is a number of milliseconds
  await socket.emitWithAck("poll_start", { pollId: "p3", type: "free_text", question: "?", durationMs: "30s" });
  const results = await socket.emitWithAck("poll_results_request", { pollId: "p1" });
  if (results.status === "ok") void results.results.totalResponses;
  // Free-text results come in pages: the next one by cursor.
  const words = await socket.emitWithAck("poll_results_request", { pollId: "p3", cursor: "100", limit: 50 });
  if (words.status === "ok" && "responses" in words.results) {
    const next: string | null = words.results.nextCursor;
    const distinct: number = words.results.distinctResponses;
    void [next, distinct];
  }
  // The host's members beyond its handshake, a page at a time.
  let cursor: string | null = null;
  do {
    const page: Ack<ClientList> = await socket.emitWithAck("list_clients", { role: "audience", cursor, limit: 200 });
    if (page.status !== "ok") break;
    for (const c of page.clients) void c.meta;
    cursor = page.nextCursor;
  } while (cursor !== null);
  socket.on("client_list", (page) => void page.audienceCount);
  // @ts-expect-error list_clients lists players or audience, not hosts
  await socket.emitWithAck("list_clients", { role: "host" });
  await socket.emitWithAck("close_room", {});

  // @ts-expect-error game state must be the room's GameState type
  await socket.emitWithAck("set_game_state", { state: { round: "one" } });
  // @ts-expect-error set_player_state needs the clientId
  await socket.emitWithAck("set_player_state", { state: { cards: [] } });
  // @ts-expect-error not a poll type
  await socket.emitWithAck("poll_start", { pollId: "p2", type: "ranking", question: "?" });
  // @ts-expect-error no such command
  await socket.emitWithAck("kick_player", { clientId: "c" });
  // @ts-expect-error no such event from the relay
  socket.on("player_kicked", () => undefined);
  // @ts-expect-error game_state carries { state, rev }, not a bare state
  socket.on("game_state", (s: Board) => void s);
}

export async function player(url: string, roomCode: string): Promise<void> {
  const joined = await joinRoom<Board, Hand, Move>({
    url, roomCode, role: "player", password: "pw", meta: { playerName: "Ann" }, storage: memoryStorage(),
  });
  const seat = joined.seat();
  if (seat) void seat.seatToken;
  joined.socket.on("game_state", (s) => void s.state.cells);
  joined.socket.on("player_state", (s) => void s.state.cards);
  joined.socket.on("room_closed", (r) => void r.reason);
  await joined.socket.emitWithAck("message_to_host", { message: { cell: 4 } });
  // @ts-expect-error a Move has a numeric cell
  await joined.socket.emitWithAck("message_to_host", { message: { cell: "4" } });
  await joined.leave();

  // @ts-expect-error role must be host, player or audience
  await joinRoom({ url, roomCode, role: "referee" });
}

export async function audience(url: string, roomCode: string): Promise<void> {
  const joined = await joinRoom({ url, roomCode, role: "audience" });
  joined.socket.on("poll_started", (p) => void p.options);
  await joined.socket.emitWithAck("poll_response", { pollId: "p1", response: "option_1" });
  await joined.socket.emitWithAck("poll_response", { pollId: "p2", response: ["option_0", "option_2"] });
  // @ts-expect-error a poll answer is text or option ids, not a number
  await joined.socket.emitWithAck("poll_response", { pollId: "p1", response: 1 });
}
