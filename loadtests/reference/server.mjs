// Baseline for cndr's load tests: the protocol paths the load scenarios use (PROTOCOL.md), written the
// way a Node.js team would write them on the stack the design started from: socket.io 4.8 + ioredis,
// Redis as the store, Redis pub/sub between nodes in the style of @socket.io/redis-adapter (broadcast to
// local sockets directly, publish once for the other nodes, one subscriber connection per node that
// ignores its own messages).
//
// Implemented: POST /admin/rooms; handshake (event and connect auth) for host/player/audience with seat
// reclaim (clientId + seatToken); set_game_state; message_to_host (direct to a local host, otherwise
// LPUSH room:queue:tohost:<code> + a wake-up on room:updates:<code>); poll_start / poll_response /
// poll_end / poll_results_request; leave; presence notifications. Not implemented (answered with
// UNKNOWN_COMMAND): set_player_state, close_room, inactivity cleanup, node registry/heartbeats.
//
// Env: PORT (3000), REDIS_HOST (127.0.0.1), REDIS_PORT (6379), NODE_ID, ADMIN_TOKEN,
// RATE_LIMIT_MESSAGES (100), RATE_LIMIT_WINDOW_MS (60000), MAX_MESSAGE_BYTES (65536),
// PING_INTERVAL_MS (25000), PING_TIMEOUT_MS (20000), HANDSHAKE_TIMEOUT_MS (10000),
// MAX_QUEUE_LENGTH (1000), ROOM_CODE_LENGTH (6), MAX_META_BYTES (4096), MAX_FREE_TEXT_LENGTH (500).

import http from 'node:http';
import crypto from 'node:crypto';
import { Server } from 'socket.io';
import Redis from 'ioredis';

function intEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number.parseInt(raw, 10);
  if (!Number.isFinite(v) || String(v) !== raw.trim()) {
    console.error(`reference: invalid ${name}=${raw}`);
    process.exit(2);
  }
  return v;
}

const cfg = {
  port: intEnv('PORT', 3000),
  redisHost: process.env.REDIS_HOST || '127.0.0.1',
  redisPort: intEnv('REDIS_PORT', 6379),
  nodeId: process.env.NODE_ID || crypto.randomUUID(),
  adminToken: process.env.ADMIN_TOKEN || '',
  rateLimit: intEnv('RATE_LIMIT_MESSAGES', 100),
  rateWindowMs: intEnv('RATE_LIMIT_WINDOW_MS', 60000),
  maxMessageBytes: intEnv('MAX_MESSAGE_BYTES', 65536),
  pingInterval: intEnv('PING_INTERVAL_MS', 25000),
  pingTimeout: intEnv('PING_TIMEOUT_MS', 20000),
  handshakeTimeout: intEnv('HANDSHAKE_TIMEOUT_MS', 10000),
  maxQueue: intEnv('MAX_QUEUE_LENGTH', 1000),
  codeLength: intEnv('ROOM_CODE_LENGTH', 6),
  maxMetaBytes: intEnv('MAX_META_BYTES', 4096),
  maxFreeText: intEnv('MAX_FREE_TEXT_LENGTH', 500),
};

const redis = new Redis({ host: cfg.redisHost, port: cfg.redisPort, maxRetriesPerRequest: 2 });
const sub = redis.duplicate();
redis.on('error', (e) => console.error(`reference: redis: ${e.message}`));
sub.on('error', (e) => console.error(`reference: redis sub: ${e.message}`));

const CODE_RE = new RegExp(`^[A-Za-z0-9]{${cfg.codeLength}}$`);
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const POLL_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const POLL_TYPES = new Set(['single_choice', 'multiple_choice', 'free_text']);
const CODE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

const k = {
  config: (c) => `room:config:${c}`,
  state: (c) => `room:state:${c}`,
  clients: (c) => `room:clients:${c}`,
  client: (c, id) => `room:client:${c}:${id}`,
  gamestate: (c) => `room:gamestate:${c}`,
  queue: (c) => `room:queue:tohost:${c}`,
  updates: (c) => `room:updates:${c}`,
  polls: (c) => `room:polls:${c}`,
  pollConfig: (c, p) => `room:poll:config:${c}:${p}`,
  pollResponses: (c, p) => `room:poll:responses:${c}:${p}`,
};
const UPDATES_PREFIX = 'room:updates:';

class RelayError extends Error {
  constructor(code, message, extra) {
    super(message);
    this.code = code;
    this.extra = extra;
  }
}
const fail = (code, message, extra) => { throw new RelayError(code, message, extra); };

function sameSecret(a, b) {
  const ha = crypto.createHash('sha256').update(String(a)).digest();
  const hb = crypto.createHash('sha256').update(String(b)).digest();
  return crypto.timingSafeEqual(ha, hb);
}
const hashToken = (t) => crypto.createHash('sha256').update(t).digest('hex');
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const parseJson = (s, fallback) => { try { return s == null ? fallback : JSON.parse(s); } catch { return fallback; } };

// ---------------------------------------------------------------- admin API

function randomCode() {
  const bytes = crypto.randomBytes(cfg.codeLength);
  let s = '';
  for (let i = 0; i < cfg.codeLength; i++) s += CODE_ALPHABET[bytes[i] % CODE_ALPHABET.length];
  return s;
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function createRoom(body) {
  if (!isObject(body)) fail('INVALID_PAYLOAD', 'body must be a JSON object');
  const { password = '', maxPlayers = 0, maxAudience = 0 } = body;
  if (typeof password !== 'string') fail('INVALID_PAYLOAD', 'password must be a string');
  for (const [name, v] of [['maxPlayers', maxPlayers], ['maxAudience', maxAudience]]) {
    if (!Number.isInteger(v) || v < 0) fail('INVALID_PAYLOAD', `${name} must be an integer >= 0`);
  }
  if (body.roomCode !== undefined && (typeof body.roomCode !== 'string' || !CODE_RE.test(body.roomCode))) {
    fail('INVALID_PAYLOAD', `roomCode must be ${cfg.codeLength} characters [A-Z0-9]`);
  }
  const hostKey = crypto.randomUUID();
  for (let attempt = 0; attempt < 10; attempt++) {
    const roomCode = body.roomCode !== undefined ? body.roomCode.toUpperCase() : randomCode();
    // HSETNX on hostKey claims the code atomically; the other fields follow.
    if (await redis.hsetnx(k.config(roomCode), 'hostKey', hostKey)) {
      await redis.hset(k.config(roomCode), 'password', password, 'maxPlayers', String(maxPlayers),
        'maxAudience', String(maxAudience), 'createdAt', String(Math.floor(Date.now() / 1000)));
      return { roomCode, hostKey };
    }
    if (body.roomCode !== undefined) fail('ROOM_EXISTS', 'room code already in use');
  }
  fail('UNAVAILABLE', 'could not find a free room code');
}

function handleHttp(req, res) {
  if (req.method === 'GET' && req.url === '/healthz') return sendJson(res, 200, { status: 'ok', nodeId: cfg.nodeId });
  if (req.url !== '/admin/rooms') return sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'not found' } });
  if (req.method !== 'POST') return sendJson(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'POST only' } });
  if (cfg.adminToken && !sameSecret(req.headers.authorization || '', `Bearer ${cfg.adminToken}`)) {
    return sendJson(res, 401, { error: { code: 'UNAUTHORIZED', message: 'bearer token required' } });
  }
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size > 16384) req.destroy(); else chunks.push(c);
  });
  req.on('end', async () => {
    try {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text.trim() === '' ? {} : parseJson(text, undefined);
      sendJson(res, 201, await createRoom(body));
    } catch (e) {
      if (e instanceof RelayError) {
        sendJson(res, e.code === 'ROOM_EXISTS' ? 409 : e.code === 'UNAVAILABLE' ? 503 : 400, { error: { code: e.code, message: e.message } });
      } else {
        console.error(`reference: admin: ${e.message}`);
        sendJson(res, 503, { error: { code: 'UNAVAILABLE', message: 'store unavailable' } });
      }
    }
  });
}

// ---------------------------------------------------------------- relay state (this node)

const httpServer = http.createServer(handleHttp);
const io = new Server(httpServer, {
  serveClient: false,
  maxHttpBufferSize: cfg.maxMessageBytes,
  pingInterval: cfg.pingInterval,
  pingTimeout: cfg.pingTimeout,
  perMessageDeflate: false,
  cors: { origin: '*' },
});

/** roomCode → the host socket connected to this node */
const localHosts = new Map();
const playersRoom = (c) => `p:${c}`;
const audienceRoom = (c) => `a:${c}`;

function publish(code, message) {
  redis.publish(k.updates(code), JSON.stringify({ n: cfg.nodeId, ...message })).catch(() => {});
}

/** Emit to every player and audience member of the room, here and (through pub/sub) on the other nodes. */
function toRoom(code, event, data, audienceOnly = false) {
  io.to(audienceOnly ? audienceRoom(code) : [playersRoom(code), audienceRoom(code)]).emit(event, data);
  publish(code, { t: 'room', event, data, audienceOnly });
}

function toHost(code, event, data) {
  const host = localHosts.get(code);
  if (host) host.emit(event, data);
  else publish(code, { t: 'host', event, data });
}

function kickLocal(socketId, code, message) {
  const s = io.sockets.sockets.get(socketId);
  if (!s) return;
  s.data.kicked = code;
  s.emit('relay_error', { code, message, command: null });
  s.disconnect(true);
}

async function drainQueue(code) {
  for (;;) {
    const host = localHosts.get(code);
    if (!host) return;
    const items = await redis.rpop(k.queue(code), 100);
    if (!items || items.length === 0) return;
    for (const item of items) host.emit('client_message', parseJson(item, null));
  }
}

sub.psubscribe(`${UPDATES_PREFIX}*`).catch((e) => console.error(`reference: psubscribe: ${e.message}`));
sub.on('pmessage', (_pattern, channel, text) => {
  const msg = parseJson(text, null);
  if (!msg || msg.n === cfg.nodeId) return;
  const code = channel.slice(UPDATES_PREFIX.length);
  switch (msg.t) {
    case 'room':
      io.to(msg.audienceOnly ? audienceRoom(code) : [playersRoom(code), audienceRoom(code)]).emit(msg.event, msg.data);
      break;
    case 'host': {
      const host = localHosts.get(code);
      if (host) host.emit(msg.event, msg.data);
      break;
    }
    case 'queue':
      if (localHosts.has(code)) drainQueue(code).catch(() => {});
      break;
    case 'kick':
      kickLocal(msg.socketId, msg.code, msg.message);
      break;
    default:
      break;
  }
});

// ---------------------------------------------------------------- handshake

function validateHandshake(p) {
  if (!isObject(p)) fail('INVALID_PAYLOAD', 'handshake payload must be an object');
  if (typeof p.roomCode !== 'string' || !CODE_RE.test(p.roomCode)) fail('INVALID_PAYLOAD', 'roomCode is malformed');
  if (p.role !== 'host' && p.role !== 'player' && p.role !== 'audience') fail('INVALID_PAYLOAD', 'role must be host, player or audience');
  if (p.role === 'host' && typeof p.hostKey !== 'string') fail('INVALID_PAYLOAD', 'hostKey is required');
  if (p.meta !== undefined && !isObject(p.meta)) fail('INVALID_PAYLOAD', 'meta must be an object');
  if (p.meta !== undefined && Buffer.byteLength(JSON.stringify(p.meta)) > cfg.maxMetaBytes) fail('PAYLOAD_TOO_LARGE', 'meta is too large');
  if (p.clientId !== undefined && (typeof p.clientId !== 'string' || !UUID_RE.test(p.clientId))) fail('INVALID_PAYLOAD', 'clientId is malformed');
  if (p.password !== undefined && typeof p.password !== 'string') fail('INVALID_PAYLOAD', 'password must be a string');
  if (p.seatToken !== undefined && typeof p.seatToken !== 'string') fail('INVALID_PAYLOAD', 'seatToken must be a string');
  return p.roomCode.toUpperCase();
}

async function roomSnapshot(code) {
  const [[, gameState], [, state]] = await redis.multi().get(k.gamestate(code)).hgetall(k.state(code)).exec();
  return { gameState: parseJson(gameState, null), gameStateRev: Number(state.gameStateRev || 0), hostConnected: Boolean(state.hostNodeId) };
}

/** Redis part of a join: checks and writes; returns the handshake_response and what attach() needs. */
async function authorize(socket, p) {
  const code = validateHandshake(p);
  const config = await redis.hgetall(k.config(code));
  if (!config.hostKey) fail('ROOM_NOT_FOUND', 'no such room');
  const now = Date.now();
  const meta = p.meta;

  if (p.role === 'host') {
    if (!sameSecret(p.hostKey, config.hostKey)) fail('INVALID_HOST_KEY', 'host key does not match');
    const previous = await redis.hget(k.state(code), 'hostClientId');
    await redis.multi()
      .hset(k.state(code), 'hostNodeId', cfg.nodeId, 'hostClientId', socket.id, 'lastActivity', String(now))
      .zadd(k.clients(code), now, socket.id)
      .exec();
    if (previous && previous !== socket.id) {
      await redis.zrem(k.clients(code), previous);
      kickLocal(previous, 'HOST_REPLACED', 'another host connection took over');
      publish(code, { t: 'kick', socketId: previous, code: 'HOST_REPLACED', message: 'another host connection took over' });
    }
    const ids = await redis.zrange(k.clients(code), 0, -1);
    const pipe = redis.pipeline();
    for (const id of ids) pipe.hgetall(k.client(code, id));
    const hashes = ids.length ? await pipe.exec() : [];
    const clients = [];
    hashes.forEach(([, h], i) => {
      if (h && h.role && h.role !== 'host') {
        clients.push({ clientId: ids[i], role: h.role, meta: parseJson(h.meta, {}), connected: h.connected !== 'false', joinedAt: Number(h.joinedAt) });
      }
    });
    const snap = await roomSnapshot(code);
    return {
      code, role: 'host', clientId: socket.id, previous,
      response: { status: 'success', roomCode: code, role: 'host', clientId: socket.id, reconnected: Boolean(previous), gameState: snap.gameState, gameStateRev: snap.gameStateRev, clients },
    };
  }

  if (p.role === 'player') {
    if (config.password && !sameSecret(p.password ?? '', config.password)) fail('INVALID_PASSWORD', 'password does not match');
    if (p.clientId !== undefined) {
      const seat = await redis.hgetall(k.client(code, p.clientId));
      if (seat.role !== 'player') fail('SEAT_NOT_FOUND', 'no such seat');
      if (typeof p.seatToken !== 'string' || !sameSecret(hashToken(p.seatToken), seat.seatTokenHash)) fail('INVALID_SEAT_TOKEN', 'seat token does not match');
      const fields = ['socketId', socket.id, 'connectedNodeId', cfg.nodeId, 'connected', 'true'];
      if (meta !== undefined) fields.push('meta', JSON.stringify(meta));
      await redis.hset(k.client(code, p.clientId), ...fields);
      if (seat.socketId && seat.socketId !== socket.id && seat.connected !== 'false') {
        kickLocal(seat.socketId, 'SEAT_TAKEN_OVER', 'the seat was reclaimed by a newer connection');
        publish(code, { t: 'kick', socketId: seat.socketId, code: 'SEAT_TAKEN_OVER', message: 'the seat was reclaimed by a newer connection' });
      }
      const snap = await roomSnapshot(code);
      const seatMeta = meta ?? parseJson(seat.meta, {});
      return {
        code, role: 'player', clientId: p.clientId, meta: seatMeta, joinedAt: Number(seat.joinedAt), reconnected: true,
        response: { status: 'success', roomCode: code, role: 'player', clientId: p.clientId, seatToken: p.seatToken, reconnected: true, gameState: snap.gameState, gameStateRev: snap.gameStateRev, playerState: null, playerStateRev: 0, hostConnected: snap.hostConnected },
      };
    }
    const max = Number(config.maxPlayers || 0);
    const count = await redis.hincrby(k.state(code), 'players', 1);
    if (max > 0 && count > max) {
      await redis.hincrby(k.state(code), 'players', -1);
      fail('ROOM_FULL', 'the room has no free seat');
    }
    const clientId = crypto.randomUUID();
    const seatToken = crypto.randomBytes(24).toString('base64url');
    await redis.multi()
      .hset(k.client(code, clientId), 'role', 'player', 'meta', JSON.stringify(meta ?? {}), 'connectedNodeId', cfg.nodeId,
        'socketId', socket.id, 'joinedAt', String(now), 'connected', 'true', 'seatTokenHash', hashToken(seatToken))
      .zadd(k.clients(code), now, clientId)
      .exec();
    const snap = await roomSnapshot(code);
    return {
      code, role: 'player', clientId, meta: meta ?? {}, joinedAt: now, reconnected: false,
      response: { status: 'success', roomCode: code, role: 'player', clientId, seatToken, reconnected: false, gameState: snap.gameState, gameStateRev: snap.gameStateRev, playerState: null, playerStateRev: 0, hostConnected: snap.hostConnected },
    };
  }

  // audience
  const max = Number(config.maxAudience || 0);
  const count = await redis.hincrby(k.state(code), 'audience', 1);
  if (max > 0 && count > max) {
    await redis.hincrby(k.state(code), 'audience', -1);
    fail('ROOM_FULL', 'the audience is full');
  }
  await redis.multi()
    .hset(k.client(code, socket.id), 'role', 'audience', 'meta', JSON.stringify(meta ?? {}), 'connectedNodeId', cfg.nodeId, 'socketId', socket.id, 'joinedAt', String(now))
    .zadd(k.clients(code), now, socket.id)
    .exec();
  const pollIds = await redis.smembers(k.polls(code));
  const polls = [];
  if (pollIds.length) {
    const pipe = redis.pipeline();
    for (const id of pollIds) pipe.hgetall(k.pollConfig(code, id));
    (await pipe.exec()).forEach(([, h], i) => {
      if (h && h.active === 'true') polls.push({ pollId: pollIds[i], type: h.type, question: h.question, options: parseJson(h.options, []) });
    });
  }
  const snap = await roomSnapshot(code);
  return {
    code, role: 'audience', clientId: socket.id, meta: meta ?? {}, joinedAt: now, reconnected: false,
    response: { status: 'success', roomCode: code, role: 'audience', clientId: socket.id, reconnected: false, gameState: snap.gameState, gameStateRev: snap.gameStateRev, polls, hostConnected: snap.hostConnected },
  };
}

/** Local part of a join, once the socket is connected. */
function attach(socket, joined) {
  socket.data.joined = joined;
  clearTimeout(socket.data.joinTimer);
  const { code, role, clientId } = joined;
  if (role === 'host') {
    localHosts.set(code, socket);
    toRoom(code, 'host_connected', {});
    drainQueue(code).catch(() => {});
    return;
  }
  socket.join(role === 'player' ? playersRoom(code) : audienceRoom(code));
  toHost(code, 'client_joined', { clientId, role, meta: joined.meta, reconnected: joined.reconnected, joinedAt: joined.joinedAt });
}

function errorResponse(e) {
  if (e instanceof RelayError) return { status: 'error', error: { code: e.code, message: e.message, ...(e.extra || {}) } };
  console.error(`reference: ${e.message}`);
  return { status: 'error', error: { code: 'UNAVAILABLE', message: 'the store is unavailable; retry later' } };
}

// Connect auth (PROTOCOL §3b): a handshake attempt when auth has roomCode or role.
io.use(async (socket, next) => {
  const auth = socket.handshake.auth;
  if (!isObject(auth) || (!('roomCode' in auth) && !('role' in auth))) return next();
  try {
    socket.data.pendingJoin = await authorize(socket, auth);
    next();
  } catch (e) {
    const r = errorResponse(e);
    const err = new Error(r.error.message);
    err.data = { code: r.error.code };
    next(err);
  }
});

// ---------------------------------------------------------------- commands

function checkRate(socket) {
  const now = Date.now();
  const rl = socket.data.rate;
  if (now - rl.start >= cfg.rateWindowMs) {
    rl.start = now;
    rl.count = 0;
  }
  if (++rl.count > cfg.rateLimit) fail('RATE_LIMITED', 'too many messages', { retryAfterMs: rl.start + cfg.rateWindowMs - now });
}

async function setGameState(socket, j, p) {
  if (!('state' in p)) fail('INVALID_PAYLOAD', 'state is required');
  const json = JSON.stringify(p.state);
  const res = await redis.multi()
    .set(k.gamestate(j.code), json)
    .hincrby(k.state(j.code), 'gameStateRev', 1)
    .hset(k.state(j.code), 'lastActivity', String(Date.now()))
    .exec();
  const rev = res[1][1];
  toRoom(j.code, 'game_state', { state: p.state, rev });
  return { status: 'ok', rev };
}

async function messageToHost(socket, j, p) {
  checkRate(socket);
  if (!('message' in p)) fail('INVALID_PAYLOAD', 'message is required');
  const entry = { clientId: j.clientId, role: j.role, message: p.message, timestamp: Date.now() };
  const host = localHosts.get(j.code);
  if (host) {
    host.emit('client_message', entry);
    return { status: 'ok' };
  }
  const len = await redis.llen(k.queue(j.code));
  if (len >= cfg.maxQueue) fail('QUEUE_FULL', 'the host queue is full');
  await redis.lpush(k.queue(j.code), JSON.stringify(entry));
  publish(j.code, { t: 'queue' });
  return { status: 'ok' };
}

function checkPollId(p) {
  if (typeof p.pollId !== 'string' || !POLL_ID_RE.test(p.pollId)) fail('INVALID_PAYLOAD', 'pollId is malformed');
}

async function pollStart(socket, j, p) {
  checkPollId(p);
  if (!POLL_TYPES.has(p.type)) fail('INVALID_PAYLOAD', 'type is not a poll type');
  if (typeof p.question !== 'string') fail('INVALID_PAYLOAD', 'question must be a string');
  const options = p.options === undefined ? [] : p.options;
  if (!Array.isArray(options) || options.some((o) => typeof o !== 'string')) fail('INVALID_PAYLOAD', 'options must be strings');
  if (p.type !== 'free_text' && options.length < 2) fail('INVALID_PAYLOAD', 'choice polls need at least 2 options');
  const key = k.pollConfig(j.code, p.pollId);
  if (!(await redis.hsetnx(key, 'type', p.type))) fail('POLL_EXISTS', 'a poll with this id exists');
  await redis.multi()
    .hset(key, 'question', p.question, 'options', JSON.stringify(options), 'active', 'true', 'startedAt', String(Date.now()))
    .sadd(k.polls(j.code), p.pollId)
    .exec();
  toRoom(j.code, 'poll_started', { pollId: p.pollId, type: p.type, question: p.question, options }, true);
  return { status: 'ok' };
}

async function pollResponse(socket, j, p) {
  checkRate(socket);
  checkPollId(p);
  if (!('response' in p)) fail('INVALID_PAYLOAD', 'response is required');
  const [type, optionsJson, active] = await redis.hmget(k.pollConfig(j.code, p.pollId), 'type', 'options', 'active');
  if (!type) fail('POLL_NOT_FOUND', 'no such poll');
  if (active !== 'true') fail('POLL_NOT_ACTIVE', 'the poll has ended');
  const n = parseJson(optionsJson, []).length;
  const validOption = (v) => typeof v === 'string' && /^option_(0|[1-9][0-9]*)$/.test(v) && Number(v.slice(7)) < n;
  let stored;
  const r = p.response;
  if (type === 'single_choice') {
    if (!validOption(r)) fail('INVALID_RESPONSE', 'not an option of this poll');
    stored = r;
  } else if (type === 'multiple_choice') {
    if (!Array.isArray(r) || !r.every(validOption) || new Set(r).size !== r.length) fail('INVALID_RESPONSE', 'not distinct options of this poll');
    stored = JSON.stringify(r);
  } else {
    if (typeof r !== 'string') fail('INVALID_RESPONSE', 'a free-text answer is a string');
    stored = r.trim();
    if (stored.length === 0 || stored.length > cfg.maxFreeText) fail('INVALID_RESPONSE', 'empty or too long');
  }
  await redis.hset(k.pollResponses(j.code, p.pollId), j.clientId, stored);
  return { status: 'ok' };
}

async function pollEnd(socket, j, p) {
  checkPollId(p);
  const key = k.pollConfig(j.code, p.pollId);
  const active = await redis.hget(key, 'active');
  if (active === null) fail('POLL_NOT_FOUND', 'no such poll');
  if (active !== 'true') fail('POLL_NOT_ACTIVE', 'the poll has ended');
  await redis.hset(key, 'active', 'false', 'endedAt', String(Date.now()));
  toRoom(j.code, 'poll_ended', { pollId: p.pollId }, true);
  return { status: 'ok' };
}

async function pollResults(socket, j, p) {
  checkPollId(p);
  const [[, config], [, answers]] = await redis.multi()
    .hgetall(k.pollConfig(j.code, p.pollId))
    .hgetall(k.pollResponses(j.code, p.pollId))
    .exec();
  if (!config.type) fail('POLL_NOT_FOUND', 'no such poll');
  const values = Object.values(answers);
  let results;
  if (config.type === 'free_text') {
    const responses = {};
    for (const v of values) responses[v] = (responses[v] || 0) + 1;
    results = { responses, totalResponses: values.length };
  } else {
    results = {};
    const options = parseJson(config.options, []);
    for (let i = 0; i < options.length; i++) results[`option_${i}`] = 0;
    for (const v of values) {
      for (const o of config.type === 'multiple_choice' ? parseJson(v, []) : [v]) results[o] += 1;
    }
    results.totalResponses = values.length;
  }
  const body = { pollId: p.pollId, type: config.type, question: config.question, active: config.active === 'true', results };
  socket.emit('poll_results', body);
  return { status: 'ok', ...body };
}

async function leave(socket, j) {
  socket.data.left = true;
  const multi = redis.multi().zrem(k.clients(j.code), j.clientId).del(k.client(j.code, j.clientId));
  multi.hincrby(k.state(j.code), j.role === 'player' ? 'players' : 'audience', -1);
  await multi.exec();
  toHost(j.code, 'client_left', { clientId: j.clientId, role: j.role, reason: 'left' });
  setImmediate(() => socket.disconnect(true));
  return { status: 'ok' };
}

const COMMANDS = {
  set_game_state: { roles: ['host'], run: setGameState },
  message_to_host: { roles: ['player', 'audience'], run: messageToHost },
  poll_start: { roles: ['host'], run: pollStart },
  poll_response: { roles: ['audience'], run: pollResponse },
  poll_end: { roles: ['host'], run: pollEnd },
  poll_results_request: { roles: ['host'], run: pollResults },
  leave: { roles: ['player', 'audience'], run: leave, optionalPayload: true },
};

async function onHandshakeEvent(socket, p, ack) {
  if (socket.data.joined) {
    const r = errorResponse(new RelayError('ALREADY_JOINED', 'this connection has joined a room'));
    socket.emit('handshake_response', r);
    if (ack) ack(r);
    return;
  }
  try {
    const joined = await authorize(socket, p);
    if (!socket.connected) return;
    socket.emit('handshake_response', joined.response);
    if (ack) ack(joined.response);
    attach(socket, joined);
  } catch (e) {
    const r = errorResponse(e);
    socket.emit('handshake_response', r);
    if (ack) ack(r);
    socket.disconnect(true);
  }
}

async function onCommand(socket, event, args) {
  const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
  let result;
  try {
    const cmd = COMMANDS[event];
    if (!cmd) fail('UNKNOWN_COMMAND', `unknown command ${event}`);
    const j = socket.data.joined;
    if (!j) fail('NOT_JOINED', 'handshake first');
    if (!cmd.roles.includes(j.role)) fail('FORBIDDEN', `${j.role} may not send ${event}`);
    let p = args[0];
    if (p === undefined && cmd.optionalPayload) p = {};
    if (!isObject(p)) {
      if (event === 'message_to_host' || event === 'poll_response') checkRate(socket);
      fail('INVALID_PAYLOAD', 'payload must be an object');
    }
    result = await cmd.run(socket, j, p);
  } catch (e) {
    result = errorResponse(e);
    if (!ack) {
      socket.emit('relay_error', { ...result.error, command: event });
      return;
    }
  }
  if (ack) ack(result);
}

io.on('connection', (socket) => {
  socket.data.rate = { start: Date.now(), count: 0 };
  socket.onAny((event, ...args) => {
    if (event === 'handshake') {
      const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
      onHandshakeEvent(socket, args[0], ack);
    } else {
      onCommand(socket, event, args);
    }
  });
  socket.on('disconnect', () => {
    clearTimeout(socket.data.joinTimer);
    const j = socket.data.joined;
    if (!j || socket.data.left) return;
    onDisconnected(socket, j).catch((e) => console.error(`reference: disconnect: ${e.message}`));
  });
  const pending = socket.data.pendingJoin;
  if (pending) {
    socket.data.pendingJoin = undefined;
    socket.emit('handshake_response', pending.response);
    attach(socket, pending);
  } else {
    socket.data.joinTimer = setTimeout(() => { if (!socket.data.joined) socket.disconnect(true); }, cfg.handshakeTimeout);
  }
});

async function onDisconnected(socket, j) {
  if (j.role === 'host') {
    if (localHosts.get(j.code) === socket) localHosts.delete(j.code);
    if (socket.data.kicked) return;
    const current = await redis.hget(k.state(j.code), 'hostClientId');
    if (current === socket.id) {
      await redis.multi().hdel(k.state(j.code), 'hostNodeId', 'hostClientId').zrem(k.clients(j.code), socket.id).exec();
      toRoom(j.code, 'host_disconnected', {});
    }
    return;
  }
  if (j.role === 'player') {
    if (socket.data.kicked) return;
    const owner = await redis.hget(k.client(j.code, j.clientId), 'socketId');
    if (owner !== socket.id) return; // the seat has moved to a newer connection
    await redis.hset(k.client(j.code, j.clientId), 'connected', 'false');
    toHost(j.code, 'client_disconnected', { clientId: j.clientId, role: 'player' });
    return;
  }
  await redis.multi().zrem(k.clients(j.code), j.clientId).del(k.client(j.code, j.clientId)).hincrby(k.state(j.code), 'audience', -1).exec();
  toHost(j.code, 'client_left', { clientId: j.clientId, role: 'audience', reason: 'disconnected' });
}

httpServer.listen(cfg.port, process.env.BIND_ADDRESS || '127.0.0.1', () => {
  console.log(`reference: listening on ${process.env.BIND_ADDRESS || '127.0.0.1'}:${cfg.port} (node ${cfg.nodeId}, redis ${cfg.redisHost}:${cfg.redisPort}, pid ${process.pid})`);
});

function shutdown() {
  io.close();
  redis.disconnect();
  sub.disconnect();
  setTimeout(() => process.exit(0), 200).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
