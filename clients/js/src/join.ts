// joinRoom: connect to a cndr room and keep a player's seat across reconnections.
// The seat (clientId + secret seatToken) from the first handshake_response is stored; `auth` is a function,
// which socket.io-client calls again on every automatic reconnection, so a dropped connection comes back in
// the same seat on whichever node it reaches. Pass `localStorage` as storage and a page reload keeps it too.
import { io, type ManagerOptions, type Socket, type SocketOptions } from "socket.io-client";
import type {
  ClientToServerEvents, ErrorCode, HandshakeRequest, HandshakeSuccess, Json, Meta, Role, ServerToClientEvents,
} from "./protocol.js";

export type CndrSocket<GameState = Json, PlayerState = Json, Message = Json> =
  Socket<ServerToClientEvents<GameState, PlayerState, Message>, ClientToServerEvents<GameState, PlayerState, Message>>;

/** Where a seat is kept: the Web Storage shape, so `localStorage` / `sessionStorage` fit as they are. */
export interface SeatStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** A player's seat: its public clientId and the secret that reclaims it. */
export interface Seat {
  clientId: string;
  seatToken: string;
}

export interface JoinOptions {
  url: string;
  roomCode: string;
  role: Role;
  hostKey?: string;
  password?: string;
  meta?: Meta;
  /** A JWT from the game's backend (replaces the password, or the host key when it says role host). */
  token?: string;
  /** Where the seat is kept (default: in memory, for the life of this call's socket). */
  storage?: SeatStorage;
  /** More socket.io-client options (transports, reconnectionDelay, ...). `auth` is set by joinRoom. */
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
}

/** A refused join: `code` is the relay's error code. */
export class JoinError extends Error {
  constructor(readonly code: ErrorCode | "CONNECT_FAILED", message: string) {
    super(message);
    this.name = "JoinError";
  }
}

export interface Joined<GameState = Json, PlayerState = Json, Message = Json> {
  socket: CndrSocket<GameState, PlayerState, Message>;
  /** The first handshake_response. Later ones (after a reconnection) arrive as `handshake_response` events. */
  hello: HandshakeSuccess<GameState, PlayerState>;
  /** The player's seat as currently stored (null for host and audience). */
  seat(): Seat | null;
  /** Leaves the room (a player's seat is freed and forgotten) and closes the socket. */
  leave(): Promise<void>;
}

/** An in-memory SeatStorage. */
export function memoryStorage(): SeatStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

/** The storage key of a room's seat. */
export function seatKey(roomCode: string): string {
  return `cndr:seat:${roomCode.toUpperCase()}`;
}

function readSeat(storage: SeatStorage, key: string): Seat | null {
  const text = storage.getItem(key);
  if (!text) return null;
  try {
    const seat = JSON.parse(text) as Partial<Seat>;
    return typeof seat.clientId === "string" && typeof seat.seatToken === "string"
      ? { clientId: seat.clientId, seatToken: seat.seatToken }
      : null;
  } catch {
    return null;
  }
}

/**
 * Connects and joins. Resolves with the socket and the first successful handshake_response; rejects with a
 * JoinError when the relay refuses (wrong key, full room, ...) or the connection cannot be made.
 */
export function joinRoom<GameState = Json, PlayerState = Json, Message = Json>(
  options: JoinOptions,
): Promise<Joined<GameState, PlayerState, Message>> {
  const storage = options.storage ?? memoryStorage();
  const key = seatKey(options.roomCode);

  const auth = (): HandshakeRequest => {
    const base = { roomCode: options.roomCode, token: options.token };
    switch (options.role) {
      case "host":
        return { ...base, role: "host", hostKey: options.hostKey };
      case "audience":
        return { ...base, role: "audience", meta: options.meta };
      case "player": {
        const seat = readSeat(storage, key);
        return { ...base, role: "player", password: options.password, meta: options.meta, ...(seat ?? {}) };
      }
    }
  };

  const socket: CndrSocket<GameState, PlayerState, Message> = io(options.url, {
    ...options.socketOptions,
    auth: (cb) => cb(auth()),
  });

  socket.on("handshake_response", (response) => {
    if (response.status === "success" && response.role === "player" && response.seatToken) {
      storage.setItem(key, JSON.stringify({ clientId: response.clientId, seatToken: response.seatToken }));
    }
  });
  socket.on("connect_error", (err) => {
    // A seat that is gone (freed, room closed) or a token that no longer matches: forget it, so the next
    // attempt joins afresh instead of failing forever.
    const code = (err as { data?: { code?: string } }).data?.code;
    if (code === "SEAT_NOT_FOUND" || code === "INVALID_SEAT_TOKEN") storage.removeItem(key);
  });

  return new Promise((resolve, reject) => {
    const done = () => {
      socket.off("handshake_response", onHello);
      socket.off("connect_error", onRefused);
    };
    const onHello = (response: Parameters<ServerToClientEvents<GameState, PlayerState>["handshake_response"]>[0]) => {
      done();
      if (response.status !== "success") {
        socket.close();
        reject(new JoinError(response.error.code, response.error.message));
        return;
      }
      resolve({
        socket,
        hello: response,
        seat: () => readSeat(storage, key),
        leave: async () => {
          if (options.role !== "host") await socket.timeout(5000).emitWithAck("leave", {}).catch(() => undefined);
          storage.removeItem(key);
          socket.close();
        },
      });
    };
    const onRefused = (err: Error & { data?: { code?: ErrorCode } }) => {
      // A refusal by the relay (connect auth) carries a code; a network error is retried by socket.io-client
      // until its own limits, and only then ends the join.
      if (err.data?.code) {
        done();
        socket.close();
        reject(new JoinError(err.data.code, err.message));
      } else if (!socket.active) {
        done();
        reject(new JoinError("CONNECT_FAILED", err.message));
      }
    };
    socket.on("handshake_response", onHello);
    socket.on("connect_error", onRefused);
  });
}
