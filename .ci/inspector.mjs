// The inspector page in a real browser: Debian's chromium, headless, driven over the
// DevTools protocol by puppeteer-core. The page is opened first; a valid and an invalid
// PATCH are sent after it loaded and must appear live, the invalid one marked as a
// violation with its pointer highlighted in the request body; a filter hides the valid one;
// the keyboard moves the selection; the page fits a narrow window; reset empties the list;
// no console errors. Saves a screenshot.
// Usage: node inspector.mjs BASE_URL SCREENSHOT.png   (CHROMIUM: the browser, default /usr/bin/chromium)
import puppeteer from "puppeteer-core";

const [base, screenshot] = process.argv.slice(2);
const KEY = "gately_sk_test_9f8e7d6c5b4a39281706f5e4d3c2b1a0";
const JANE = "a1b2c3d4-e5f6-4789-abcd-ef1234567890";

function fail(message) {
  console.error(`inspector: ${message}`);
  process.exit(1);
}

async function patch(body) {
  const response = await fetch(`${base}/api/v1/contacts/${JANE}`, {
    method: "PATCH",
    headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json" },
    body,
  });
  await response.arrayBuffer();
  return response;
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
try {
  const page = await browser.newPage();
  const errors = [];
  page.on("console", (message) => { if (message.type() === "error") errors.push(message.text()); });
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.setViewport({ width: 1280, height: 800 });
  await page.goto(`${base}/__admin/`, { waitUntil: "load" });
  // Connected, and the (empty) journal replayed.
  await page.waitForFunction(() => document.getElementById("status").textContent === "0 exchanges", { timeout: 10000 });

  const valid = await patch(JSON.stringify({ status: "inactive", notes: "Churned after trial" }));
  const invalid = await patch(JSON.stringify({ statsu: "active", email: "jane@" }));
  if (valid.headers.get("x-gately-mock-verdict") !== "ok" || invalid.headers.get("x-gately-mock-verdict") !== "violation") {
    fail(`the verdict headers are ${valid.headers.get("x-gately-mock-verdict")}, ${invalid.headers.get("x-gately-mock-verdict")}`);
  }
  await page.waitForFunction(() => document.querySelectorAll("#list li").length === 2, { timeout: 10000 })
    .catch(() => fail("the two PATCHes did not appear live"));
  const order = await page.$$eval("#list li", (items) => items.map((item) => [item.dataset.seq, item.className]));
  if (JSON.stringify(order) !== JSON.stringify([["2", "violation"], ["1", "ok"]])) {
    fail(`the list is not newest first, coloured by verdict: ${JSON.stringify(order)}`);
  }

  await page.click("#list li.violation");
  await page.waitForSelector('#request-body mark.at-fault[data-pointer="/statsu"]', { timeout: 5000 })
    .catch(() => fail("the unknown field is not highlighted in the request body"));
  const marked = await page.$$eval("#request-body mark.at-fault", (marks) => marks.map((mark) => mark.dataset.pointer).sort());
  if (JSON.stringify(marked) !== JSON.stringify(["/email", "/statsu"])) {
    fail(`highlighted: ${JSON.stringify(marked)}, expected /email and /statsu`);
  }
  const listed = await page.$eval(".problems", (list) => list.textContent);
  if (!listed.includes('did you mean "status"?')) fail(`the violations are not listed: ${listed}`);
  await page.screenshot({ path: screenshot });

  // The older, valid PATCH shows what it changed in the contact.
  await page.click('#list li[data-seq="1"]');
  const changed = await page.$$eval("#changes tr", (rows) => rows.map((row) => row.cells[0].textContent));
  if (!changed.includes("status") || !changed.includes("notes")) fail(`the changes shown: ${JSON.stringify(changed)}`);
  await page.click("#list li.violation");

  // The keyboard: down moves to the older exchange.
  await page.keyboard.press("ArrowDown");
  const chosen = await page.$eval('#list li[aria-selected="true"]', (item) => item.dataset.seq);
  if (chosen !== "1") fail(`ArrowDown selected #${chosen}, expected #1`);

  // A filter hides the valid one.
  await page.select("#verdict", "violation");
  const filtered = await page.$$eval("#list li", (items) => items.map((item) => item.dataset.seq));
  if (JSON.stringify(filtered) !== JSON.stringify(["2"])) fail(`verdict=violation shows ${JSON.stringify(filtered)}`);
  await page.select("#verdict", "");

  // A narrow window: nothing wider than the window.
  await page.setViewport({ width: 480, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) fail(`at 480 px the page is ${overflow} px too wide`);
  await page.setViewport({ width: 1280, height: 800 });

  // Copy as curl: every part quoted, the key read from $GATELY_KEY.
  const line = await page.evaluate(() => curl(exchanges[1]));
  if (!line.startsWith("curl -X 'PATCH' '") || !line.includes("'authorization: Bearer '\"$GATELY_KEY\"''")) {
    fail(`copy as curl gave ${line}`);
  }

  // Reset, on the server: the stream's `cleared` event empties the list, then a new
  // exchange arrives as the first of the new journal.
  await page.click("#reset");
  await page.waitForFunction(() => document.querySelectorAll("#list li").length === 0, { timeout: 5000 })
    .catch(() => fail("reset did not empty the list"));
  const journal = await (await fetch(`${base}/__admin/requests`)).json();
  if (journal.requests.length !== 0) fail("the mock's journal was not reset");
  await patch(JSON.stringify({ notes: "after the reset" }));
  await page.waitForFunction(() => document.querySelectorAll("#list li").length === 1, { timeout: 5000 })
    .catch(() => fail("an exchange after the reset did not appear"));

  // At 1280×800 the page itself does not scroll: each pane scrolls on its own.
  const scrolls = await page.evaluate(() => document.documentElement.scrollHeight - window.innerHeight);
  if (scrolls > 0) fail(`at 1280×800 the page is ${scrolls} px taller than the window`);

  if (errors.length) fail(`console errors: ${errors.join("; ")}`);
  console.log("inspector (chromium, puppeteer-core): live rows, highlighted pointers, filter, keyboard, narrow window, reset; no console errors");
} finally {
  await browser.close();
}
