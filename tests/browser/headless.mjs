// What every browser test here starts with: an overall time limit, the system Chromium (CHROMIUM, default
// /usr/bin/chromium) launched headless with no page throttled as a background tab, the list of script errors seen
// on the pages, and check(ok, text), which logs each passed check and throws on the first failed one.
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
