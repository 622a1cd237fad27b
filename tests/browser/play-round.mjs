// Plays one round of the party game (examples/web, served by the node at /play) in headless Chromium: one host
// screen, two player phones, one audience phone. Players answer, the audience votes, the host reveals; checks
// what every page shows, and saves one picture of all four pages.
//   node tests/browser/play-round.mjs URL ROOMCODE HOSTKEY SCREENSHOT.png
// Uses the system browser (CHROMIUM, default /usr/bin/chromium); exits 0 when the round played as it should.
import { WAIT, startBrowser, until, untilSelector } from "./headless.mjs";

const [url, roomCode, hostKey, screenshot] = process.argv.slice(2);
const { browser, problems, check } = await startBrowser("play-round");

async function open(path, viewport, label) {
  const page = await browser.newPage();
  await page.setViewport(viewport);
  page.on("pageerror", (e) => problems.push(`${label}: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") problems.push(`${label}: ${m.text()}`); });
  await page.goto(url + path, { waitUntil: "load", ...WAIT });
  return page;
}

// A DOM click (page.click waits for animation frames, which a background page may never run).
const press = (page, selector) => page.$eval(selector, (e) => e.click());
const text = (page, selector) => page.$eval(selector, (e) => e.textContent.trim());

async function phone(name, role) {
  const page = await open(`/play?room=${roomCode}`, { width: 390, height: 640 }, name);
  await page.type("#name", name);
  await page.select("#role", role);
  await press(page, "#join button");
  await untilSelector(page, `${name} joined as ${role}`, `body[data-joined="${role}"]`);
  return page;
}

try {
  const host = await open(`/play/host?room=${roomCode}&key=${encodeURIComponent(hostKey)}`, { width: 1100, height: 640 }, "host");
  await untilSelector(host, "host screen joined", 'body[data-joined="host"]');
  check((await text(host, "#code")) === roomCode, "host screen shows the room code");

  const ann = await phone("Ann", "player");
  const bo = await phone("Bo", "player");
  const viewer = await phone("Cy", "audience");
  await until(host, "host screen lists the phones", () => document.querySelectorAll("#players li").length === 2 && document.getElementById("audience-count").textContent === "1");
  check(true, "host screen lists two players and one audience member");

  await press(host, "#start");
  await untilSelector(ann, "question on Ann's phone", "button.choice");
  await untilSelector(bo, "question on Bo's phone", "button.choice");
  check((await text(ann, "#prompt-text")) === "Which planet is the largest?", "the question reached the players' phones");
  await press(ann, 'button.choice[data-option="1"]');
  await press(bo, 'button.choice[data-option="0"]');
  const waited = await until(ann, "Ann's answer acknowledged", () => document.getElementById("status").textContent === "Answer locked in!")
    + await until(bo, "Bo's answer acknowledged", () => document.getElementById("status").textContent === "Answer locked in!")
    + await until(host, "host screen counts 2 answers", () => document.getElementById("answers").textContent === "2 / 2 answered");
  check(true, `both answers reached the host screen (${waited} ms after the clicks)`);

  await untilSelector(viewer, "vote on Cy's phone", "button.choice");
  await press(viewer, 'button.choice[data-option="1"]');
  await until(viewer, "Cy's vote acknowledged", () => document.getElementById("status").textContent === "Vote counted!");
  check(true, "the audience voted");

  await press(host, "#reveal");
  await untilSelector(host, "host screen revealed the answer", 'body[data-revealed="1"]');
  check((await host.$eval("#poll", (e) => e.dataset.total)) === "1", "host screen shows the audience vote (1 vote)");
  check((await text(host, "#options .correct")) === "Jupiter", "host screen reveals the answer");
  await untilSelector(ann, "Ann's score arrived", 'body[data-scored="1"]');
  await untilSelector(bo, "Bo's score arrived", 'body[data-scored="1"]');
  check((await text(ann, "#score")) === "Correct! Score: 1", "Ann's phone: correct, score 1 (private state)");
  check((await text(bo, "#score")) === "Not this time. Score: 0", "Bo's phone: not this time, score 0");
  await until(viewer, "the vote closed on Cy's phone", () => document.getElementById("status").textContent === "Voting closed.");
  check(true, "the audience phone saw the vote close");
  check(problems.length === 0, "no page errors" + (problems.length ? ": " + problems.join("; ") : ""));

  if (screenshot) {
    // One picture: the big screen with the three phones beside it.
    const shots = [];
    for (const page of [host, ann, bo, viewer]) {
      await page.bringToFront(); // only the front page paints
      shots.push(await page.screenshot({ encoding: "base64" }));
    }
    const board = await browser.newPage();
    await board.setViewport({ width: 1100 + 3 * 300 + 80, height: 660 });
    await board.bringToFront();
    await board.setContent(`<body style="margin:0;background:#0b0a1a;display:flex;gap:16px;padding:10px;align-items:flex-start">
      ${shots.map((s, i) => `<img src="data:image/png;base64,${s}" style="${i ? "width:300px;border-radius:18px" : "width:1100px"}">`).join("")}</body>`);
    await board.screenshot({ path: screenshot });
    console.log("- screenshot saved to", screenshot);
  }
  console.log("play-round: a whole round played in the browser");
  await browser.close();
  process.exit(0);
} catch (e) {
  console.error("play-round:", e.message, problems.join("; "));
  for (const page of await browser.pages()) {
    console.error("page", page.url(), await page.evaluate(() => document.body.innerText.slice(0, 400)).catch(() => "?"));
  }
  await browser.close();
  process.exit(1);
}
