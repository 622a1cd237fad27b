// What every browser test here starts with: an overall time limit, the system Chromium (CHROMIUM, default
// /usr/bin/chromium) launched headless with no page throttled as a background tab, the list of script errors seen
// on the pages, check(ok, text), which logs each passed check and throws on the first failed one, and until(), which
// waits for a condition on a page.
import puppeteer from "puppeteer-core";

export const WAIT = { timeout: 20_000 };

export async function startBrowser(name, limitMs = 120_000) {
  setTimeout(() => { console.error(`${name}: timed out`); process.exit(1); }, limitMs).unref();
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
      "--disable-background-timer-throttling", "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows"],
  });
  const problems = [];
  const check = (ok, text) => {
    if (!ok) throw new Error("check failed: " + text);
    console.log("-", text);
  };
  return { browser, problems, check };
}

// Waits until fn(arg) is true on the page: asked from here every `every` ms with page.evaluate, which a background page
// answers at once. Puppeteer's own waitForFunction/waitForSelector poll on the page's animation frames, which a page
// that is not in front may run late or never; a busy machine showed it (an acknowledged answer on the page went
// unseen for 20 s). Returns the milliseconds it waited; throws, naming the step, after WAIT.timeout.
export async function until(page, label, fn, arg, every = 100) {
  const start = Date.now();
  let last = "";
  while (true) {
    try {
      if (await page.evaluate(fn, arg)) return Date.now() - start;
    } catch (e) {
      last = ` (last error: ${e.message})`; // e.g. the page is navigating: ask again
    }
    if (Date.now() - start > WAIT.timeout) throw new Error(`${label}: not within ${WAIT.timeout / 1000} s${last}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

// until() for an element matching a CSS selector.
export const untilSelector = (page, label, selector) => until(page, label, (s) => document.querySelector(s) !== null, selector);
