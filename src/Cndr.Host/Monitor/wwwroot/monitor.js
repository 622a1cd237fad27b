// cndr monitor: one event stream (/monitor/events, server-sent events read through fetch so the admin token can
// travel in the Authorization header) and admin API calls for the actions. Every value is written as text.
'use strict';

const state = { token: '', room: null, prev: null, abort: null, retry: 0 };

function $(sel) { return document.querySelector(sel); }

function el(tag, text, attrs) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

function ago(ms) {
  if (ms === null || ms === undefined) return '—';
  const s = Math.max(0, ms) / 1000;
  if (s < 1) return 'now';
  if (s < 60) return `${s.toFixed(0)} s ago`;
  if (s < 3600) return `${(s / 60).toFixed(0)} min ago`;
  return `${(s / 3600).toFixed(1)} h ago`;
}

function short(id) { return id && id.length > 12 ? id.slice(0, 8) + '…' : (id || '—'); }

function headers(extra) {
  const h = Object.assign({}, extra || {});
  if (state.token) h.Authorization = 'Bearer ' + state.token;
  return h;
}

function setLive(on, text) {
  const live = $('#live');
  live.className = 'live ' + (on ? 'on' : 'off');
  live.textContent = text;
}

function showError(text) {
  const e = $('#error');
  e.hidden = !text;
  e.textContent = text || '';
}

async function api(method, path, body) {
  const res = await fetch(path, { method, headers: headers(body ? { 'Content-Type': 'application/json' } : {}), body: body ? JSON.stringify(body) : undefined });
  if (!res.ok) {
    let msg = `${res.status}`;
    try { const j = await res.json(); msg = `${j.error.code}: ${j.error.message}`; } catch { /* not JSON */ }
    throw new Error(msg);
  }
  return res.status === 204 ? null : res.json();
}

async function kick(code, clientId) {
  try { await api('POST', `/admin/rooms/${code}/kick`, { clientId }); showError(''); } catch (e) { showError(`kick ${clientId}: ${e.message}`); }
}

async function closeRoom(code) {
  try { await api('DELETE', `/admin/rooms/${code}`); showError(''); if (state.room === code) select(null); } catch (e) { showError(`close ${code}: ${e.message}`); }
}

function select(code) {
  state.room = code;
  state.prev = null;
  if (code) location.hash = '#room=' + code; else history.replaceState(null, '', location.pathname);
  connect();
}

function renderNodes(view) {
  const body = $('#nodes tbody');
  body.replaceChildren();
  for (const n of view.nodes) {
    const s = n.status || {};
    const c = s.connections || {};
    const tr = el('tr', undefined, { 'data-node': n.id });
    if (!n.alive) tr.className = 'dead';
    tr.append(el('td', short(n.id), { title: n.id }), el('td', n.primary ? '★ primary' : ''),
      el('td', n.heartbeatAgeMs === null ? '—' : ago(n.heartbeatAgeMs)), el('td', c.host ?? '—'), el('td', c.player ?? '—'),
      el('td', c.audience ?? '—'), el('td', c.pending ?? '—'),
      el('td', !n.alive ? 'dead' : s.draining ? 'draining' : 'serving'), el('td', s.url || ''));
    body.append(tr);
  }
  $('#node-count').textContent = `(${view.nodes.length})`;
}

function renderRooms(view, now) {
  const body = $('#rooms tbody');
  body.replaceChildren();
  for (const r of view.rooms) {
    const tr = el('tr', undefined, { 'data-room': r.roomCode });
    if (r.roomCode === state.room) tr.className = 'selected';
    const codeCell = el('td', undefined, { class: 'code' });
    const link = el('a', r.roomCode, { href: '#room=' + r.roomCode });
    link.addEventListener('click', (e) => { e.preventDefault(); select(r.roomCode); });
    codeCell.append(link);
    const close = el('button', 'Close', { class: 'danger', 'data-close': r.roomCode });
    close.addEventListener('click', () => closeRoom(r.roomCode));
    const actions = el('td');
    actions.append(close);
    tr.append(codeCell, el('td', r.hostConnected ? 'connected' : 'away'), el('td', r.playerCount), el('td', r.audienceCount),
      el('td', ago(now - r.lastActivity)), el('td', r.gameStateRev), el('td', short(r.hostNodeId), { title: r.hostNodeId || '' }), actions);
    body.append(tr);
  }
  $('#room-count').textContent = `(${view.total})`;
}

function rate(cur, prev, field, seconds) {
  if (!prev || seconds <= 0) return '—';
  return ((cur[field] - prev[field]) / seconds).toFixed(1);
}

function renderRoom(room, now) {
  const section = $('#room-detail');
  if (!state.room) { section.hidden = true; return; }
  section.hidden = false;
  $('#room-code').textContent = state.room;
  if (!room) {
    $('#room-summary').textContent = 'This room does not exist (any more).';
    $('#members tbody').replaceChildren();
    $('#polls').replaceChildren();
    $('#room-rates').textContent = '';
    return;
  }
  $('#room-summary').textContent = `host ${room.hostConnected ? 'connected on ' + short(room.hostNodeId) : 'away'} · ${room.playerCount} players · ${room.audienceCount} audience · rev ${room.gameStateRev} · last activity ${ago(now - room.lastActivity)}`;
  const answers = room.polls.reduce((a, p) => a + p.responseCount, 0);
  const cur = { at: now, rev: room.gameStateRev, answers, members: room.memberCount };
  const prev = state.prev;
  const secs = prev ? (cur.at - prev.at) / 1000 : 0;
  $('#room-rates').textContent = `state updates/s ${rate(cur, prev, 'rev', secs)} · poll answers/s ${rate(cur, prev, 'answers', secs)} · members ${room.memberCount}`;
  if (!prev || secs >= 0.5) state.prev = cur;

  const body = $('#members tbody');
  body.replaceChildren();
  for (const m of room.members) {
    const tr = el('tr', undefined, { 'data-client': m.clientId });
    if (!m.connected) tr.className = 'away';
    const actions = el('td');
    if (m.connected) {
      const b = el('button', 'Kick', { 'data-kick': m.clientId });
      b.addEventListener('click', () => kick(state.room, m.clientId));
      actions.append(b);
    }
    tr.append(el('td', m.clientId), el('td', m.role), el('td', m.connected ? 'yes' : 'away'), el('td', short(m.nodeId), { title: m.nodeId || '' }),
      el('td', ago(now - m.joinedAt)), actions);
    body.append(tr);
  }

  const polls = $('#polls');
  polls.replaceChildren();
  if (room.polls.length === 0) polls.append(el('p', 'none'));
  for (const p of room.polls) {
    const box = el('div', undefined, { class: 'poll', 'data-poll': p.pollId });
    box.append(el('strong', p.question), el('small', ` ${p.type} · ${p.responseCount} answers`));
    const r = p.results || {};
    const counts = p.type === 'free_text' ? (r.responses || {}) : Object.fromEntries(Object.entries(r).filter(([k]) => k.startsWith('option_')));
    const total = Math.max(1, r.totalResponses || 0);
    for (const [label, n] of Object.entries(counts)) {
      const idx = label.startsWith('option_') ? Number(label.slice(7)) : -1;
      const name = idx >= 0 && p.options ? `${p.options[idx]}` : label;
      const row = el('div', undefined, { class: 'bar' });
      const fill = el('span', undefined, { class: 'fill' });
      fill.style.width = `${(200 * n / total).toFixed(0)}px`;
      row.append(el('span', name), fill, el('span', n, { 'data-count': label }));
      box.append(row);
    }
    polls.append(box);
  }
}

function render(snapshot) {
  if (snapshot.error) { setLive(false, 'store unavailable'); showError(snapshot.error.message); return; }
  renderNodes(snapshot.nodes);
  renderRooms(snapshot.rooms, snapshot.now);
  renderRoom(snapshot.room, snapshot.now);
  setLive(true, 'live · ' + new Date(snapshot.now).toLocaleTimeString());
}

// Reads text/event-stream: events are separated by a blank line; we use the "data:" lines.
async function connect() {
  if (state.abort) state.abort.abort();
  const abort = new AbortController();
  state.abort = abort;
  const url = '/monitor/events' + (state.room ? '?room=' + encodeURIComponent(state.room) : '');
  try {
    const res = await fetch(url, { headers: headers(), signal: abort.signal, cache: 'no-store' });
    if (res.status === 401 || res.status === 403) {
      setLive(false, 'needs the admin token');
      $('#token-form').hidden = false;
      try { const j = await res.json(); showError(j.error.message); } catch { /* ignore */ }
      return;
    }
    if (!res.ok || !res.body) throw new Error('HTTP ' + res.status);
    showError('');
    state.retry = 0;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        if (data) render(JSON.parse(data));
      }
    }
  } catch (e) {
    if (abort.signal.aborted) return;
    setLive(false, 'reconnecting…');
  }
  if (abort.signal.aborted) return;
  state.retry = Math.min(state.retry + 1, 5);
  setTimeout(() => { if (state.abort === abort) connect(); }, 500 * state.retry);
}

function init() {
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get('token')) {
    sessionStorage.setItem('cndr-admin-token', hash.get('token'));
    hash.delete('token');
  }
  state.token = sessionStorage.getItem('cndr-admin-token') || '';
  state.room = hash.get('room') || null;
  history.replaceState(null, '', location.pathname + (state.room ? '#room=' + state.room : ''));
  $('#token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    state.token = $('#token').value;
    sessionStorage.setItem('cndr-admin-token', state.token);
    $('#token-form').hidden = true;
    connect();
  });
  $('#room-close').addEventListener('click', () => state.room && closeRoom(state.room));
  $('#room-deselect').addEventListener('click', () => select(null));
  connect();
}

document.addEventListener('DOMContentLoaded', init);
