// Every event and payload of cndr's wire protocol (docs/PROTOCOL.md), for socket.io-client's typed Socket:
//   const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, { auth });
// Commands are typed with their ack, so `await socket.emitWithAck("set_game_state", { state })` is checked
// end to end. Game state, player state and messages are opaque JSON to the relay: `Json` here, or your own
// type through the generic parameters.

/** Any JSON value (what the relay forwards untouched). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export type Role = "host" | "player" | "audience";

/** PROTOCOL §6. */
export type ErrorCode =
  | "ROOM_NOT_FOUND" | "INVALID_HOST_KEY" | "INVALID_PASSWORD" | "ROOM_FULL" | "SEAT_NOT_FOUND"
  | "INVALID_SEAT_TOKEN" | "ALREADY_JOINED" | "NOT_JOINED" | "FORBIDDEN" | "INVALID_PAYLOAD"
  | "PAYLOAD_TOO_LARGE" | "RATE_LIMITED" | "PLAYER_NOT_FOUND" | "POLL_EXISTS" | "POLL_NOT_FOUND"
  | "POLL_NOT_ACTIVE" | "INVALID_RESPONSE" | "QUEUE_FULL" | "UNKNOWN_COMMAND" | "UNAVAILABLE"
  | "SEAT_TAKEN_OVER" | "HOST_REPLACED" | "KICKED" | "INVALID_TOKEN";

/** PROTOCOL §8.3: the error object inside an ack. */
export interface RelayErrorInfo {
  code: ErrorCode;
  message: string;
  /** With RATE_LIMITED: how long until the next attempt may succeed. */
  retryAfterMs?: number;
}

/** `relay_error`: a failed command that had no ack, or a kick (command null). */
export interface RelayError extends RelayErrorInfo {
  command: string | null;
}

/** What a command's ack carries: `{ status: "ok", ...T }` or `{ status: "error", error }`. */
export type Ack<T extends object = {}> = ({ status: "ok" } & T) | { status: "error"; error: RelayErrorInfo };

export type Meta = { [key: string]: Json };

// ---- handshake (PROTOCOL §3) ----

export interface HostAuth {
  roomCode: string;
  role: "host";
  hostKey?: string;
  /** A JWT issued by the game's backend (role host) instead of the host key. */
  token?: string;
}

export interface PlayerAuth {
  roomCode: string;
  role: "player";
  password?: string;
  /** Reconnect only: the seat to reclaim, with its secret seatToken. */
  clientId?: string;
  seatToken?: string;
  meta?: Meta;
  /** A JWT issued by the game's backend instead of the password. */
  token?: string;
}

export interface AudienceAuth {
  roomCode: string;
  role: "audience";
  meta?: Meta;
  token?: string;
}

/** The `auth` option of `io(url, { auth })` or the payload of `handshake`. */
export type HandshakeRequest = HostAuth | PlayerAuth | AudienceAuth;

/** An active poll as the audience sees it. */
export interface PollInfo {
  pollId: string;
  type: PollType;
  question: string;
  options: string[];
  /** Timed polls: when the poll ends by itself (Unix ms). */
  endsAt?: number;
}

/** One entry of the host's `clients` list. */
export interface ClientInfo {
  clientId: string;
  role: "player" | "audience";
  meta: Meta;
  connected: boolean;
  joinedAt: number;
}

export interface HandshakeSuccess<GameState = Json, PlayerState = Json> {
  status: "success";
  roomCode: string;
  role: Role;
  clientId: string;
  /** Players only: the secret that reclaims this seat. */
  seatToken?: string;
  reconnected: boolean;
  gameState: GameState | null;
  gameStateRev: number;
  /** Players only. */
  playerState?: PlayerState | null;
  playerStateRev?: number;
  /** Audience only: the active polls. */
  polls?: PollInfo[];
  /**
   * Host only: every held seat and at most HANDSHAKE_AUDIENCE_LIMIT (default 100) audience members, in join order.
   * The rest with `list_clients` (PROTOCOL §8.23).
   */
  clients?: ClientInfo[];
  /** Host only: held seats in the room. */
  playerCount?: number;
  /** Host only: audience members in the room (listed in `clients` or not). */
  audienceCount?: number;
  /** Host only: true when `clients` holds every member. */
  clientsComplete?: boolean;
  /** Host only: when not complete, `list_clients({ role: "audience", cursor: audienceCursor })` continues the audience. */
  audienceCursor?: string | null;
  /** Players and audience. */
  hostConnected?: boolean;
}

export interface HandshakeFailure {
  status: "error";
  error: RelayErrorInfo;
}

export type HandshakeResponse<GameState = Json, PlayerState = Json> =
  | HandshakeSuccess<GameState, PlayerState>
  | HandshakeFailure;

/** `connect_error` data when connect auth is refused: `err.data.code`. */
export interface ConnectErrorData {
  code: ErrorCode;
}

// ---- relay → host (PROTOCOL §4) ----

export interface ClientJoined {
  clientId: string;
  role: "player" | "audience";
  meta: Meta;
  reconnected: boolean;
  joinedAt: number;
}

export interface ClientDisconnected {
  clientId: string;
  role: "player";
}

export interface ClientLeft {
  clientId: string;
  role: "player" | "audience";
  reason: "left" | "disconnected" | "kicked";
}

export interface ClientMessage<Message = Json> {
  clientId: string;
  role: "player" | "audience";
  message: Message;
  timestamp: number;
}

// ---- polls (PROTOCOL §5 #8–#12) ----

export type PollType = "single_choice" | "multiple_choice" | "free_text";

export interface PollStart {
  pollId: string;
  type: PollType;
  question: string;
  /** Required with ≥ 2 entries for the choice types. */
  options?: string[];
  /** A timed poll: ends by itself after this many ms (PROTOCOL §9.1). */
  durationMs?: number;
  /** The host gets poll_tally while answers arrive (PROTOCOL §9.2). */
  liveResults?: boolean;
}

/** Choice polls: `{ option_0: n, …, totalResponses: n }`. */
export type ChoiceResults = { totalResponses: number } & { [option: `option_${number}`]: number };

/**
 * Free-text polls: one page of answer → count, most frequent first (at most POLL_RESULTS_TOP, default 100). Key order
 * in a JS object is not reliable for numeric-looking answers: sort by count. `nextCursor` asks for the next page with
 * `poll_results_request({ pollId, cursor })` (PROTOCOL §8.23).
 */
export interface FreeTextResults {
  responses: { [answer: string]: number };
  /** Respondents (one answer each). */
  totalResponses: number;
  /** Distinct answers, listed on this page or not. */
  distinctResponses: number;
  nextCursor: string | null;
}

export type PollTally = ChoiceResults | FreeTextResults;

export interface PollResults {
  pollId: string;
  type: PollType;
  question: string;
  active: boolean;
  results: PollTally;
}

/** `poll_results_request`: a free-text poll's later pages by `cursor` (from `nextCursor`), `limit` 1–500. */
export interface PollResultsRequest {
  pollId: string;
  cursor?: string | null;
  limit?: number;
}

// ---- members (PROTOCOL §8.23) ----

/** `list_clients` (host only): one page of members in join order; players, audience or both. */
export interface ListClientsRequest {
  role?: "player" | "audience" | null;
  /** From `nextCursor` or the handshake's `audienceCursor`; absent = from the start. */
  cursor?: string | null;
  /** Members per page, 1–500 (default 100); a page also ends at a quarter of the outbound budget in meta bytes. */
  limit?: number;
}

/** One `list_clients` page (the ack, or the `client_list` event when no ack was asked for). */
export interface ClientList {
  clients: ClientInfo[];
  /** Null after the last page; a page may be short (even empty) with a cursor: keep going until null. */
  nextCursor: string | null;
  playerCount: number;
  audienceCount: number;
}

/** single_choice: "option_<i>"; multiple_choice: distinct "option_<i>"s; free_text: text. */
export type PollAnswer = `option_${number}` | `option_${number}`[] | string;

// ---- other relay → client events ----

export interface GameStateEvent<GameState = Json> {
  state: GameState;
  rev: number;
}

export interface PlayerStateEvent<PlayerState = Json> {
  state: PlayerState;
  rev: number;
}

export interface RoomClosed {
  reason: "closed_by_host" | "inactive" | (string & {});
}

export interface ServerDraining {
  reconnectAfterMs: number;
}

export type Empty = Record<string, never>;

/** Everything the relay emits to a client. */
export interface ServerToClientEvents<GameState = Json, PlayerState = Json, Message = Json> {
  handshake_response: (response: HandshakeResponse<GameState, PlayerState>) => void;
  relay_error: (error: RelayError) => void;
  // to the host
  client_joined: (client: ClientJoined) => void;
  client_disconnected: (client: ClientDisconnected) => void;
  client_left: (client: ClientLeft) => void;
  client_message: (message: ClientMessage<Message>) => void;
  poll_results: (results: PollResults) => void;
  /** Live tallies of a poll started with liveResults (counts so far, at most every 250 ms). */
  poll_tally: (tally: PollResults) => void;
  /** A `list_clients` page, when the command was sent without an ack. */
  client_list: (page: ClientList) => void;
  // to players and audience
  host_connected: (empty: Empty) => void;
  host_disconnected: (empty: Empty) => void;
  game_state: (state: GameStateEvent<GameState>) => void;
  // to one player
  player_state: (state: PlayerStateEvent<PlayerState>) => void;
  // to the audience
  poll_started: (poll: PollInfo) => void;
  poll_ended: (poll: { pollId: string }) => void;
  // to everyone
  room_closed: (closed: RoomClosed) => void;
  server_draining: (draining: ServerDraining) => void;
}

/**
 * Every command a client sends, with its ack. The relay answers each command through the ack when one is
 * given, so `emitWithAck` is the natural way to call them; a command sent without an ack reports failures as
 * `relay_error` (use the untyped `socket.emit` for that, or pass a callback).
 */
export interface ClientToServerEvents<GameState = Json, PlayerState = Json, Message = Json> {
  handshake: (request: HandshakeRequest, ack: (response: HandshakeResponse<GameState, PlayerState>) => void) => void;
  // host
  set_game_state: (payload: { state: GameState }, ack: (result: Ack<{ rev: number }>) => void) => void;
  set_player_state: (payload: { clientId: string; state: PlayerState }, ack: (result: Ack<{ rev: number }>) => void) => void;
  poll_start: (payload: PollStart, ack: (result: Ack) => void) => void;
  poll_end: (payload: { pollId: string }, ack: (result: Ack) => void) => void;
  poll_results_request: (payload: PollResultsRequest, ack: (result: Ack<PollResults>) => void) => void;
  list_clients: (payload: ListClientsRequest, ack: (result: Ack<ClientList>) => void) => void;
  close_room: (payload: Empty, ack: (result: Ack) => void) => void;
  // players and audience
  message_to_host: (payload: { message: Message }, ack: (result: Ack) => void) => void;
  leave: (payload: Empty, ack: (result: Ack) => void) => void;
  // audience
  poll_response: (payload: { pollId: string; response: PollAnswer }, ack: (result: Ack) => void) => void;
}
