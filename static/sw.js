// JXC service worker. Served by /sw.js (app/pwa/routes.py), which stamps VERSION with a digest of the static
// files and PRECACHE with the app shell's URLs: a deploy that changes any static file changes these bytes, so
// the browser installs the new worker, which waits until the user chooses to reload (static/js/app.js).
//
// Caches, all named after VERSION (activate deletes every other version's):
//   static: the precached app shell (offline page, stylesheets, scripts, htmx, icons): cache first;
//   assets: other files under /static/: stale-while-revalidate;
//   pages:  full pages (navigations, htmx boosted navigations and history restores, and the page a boosted
//           form's POST redirects to): network first, the last good copy when offline, else the offline page.
//           Cleared on sign-out and on the sign-in page.
//   help-pages: help pages (/help/...), kept like pages but in their own cache, which the visited-pages limit
//           never trims, so help once seen stays readable offline. Cleared with the pages (its name ends "-pages").
//   kept-pages: screens that work offline from what the phone keeps (KEPT: the offline order screen), fetched
//           with the user's cookies when a page asks ("keep-pages", after static/js/offline_data.js refreshed its
//           copy), so they open with no connection even if never visited; network first like pages, never trimmed,
//           cleared with the pages.
// htmx fragments never touch a cache: Cache Storage keeps one response per URL whatever Vary says, so a
// fragment stored there would later be served as the page of the same URL.
const VERSION = "__VERSION__";
const PRECACHE = ["__PRECACHE__"];
const KEPT = ["__KEPT__"];
const PREFIX = "jxc-";
const STATIC_CACHE = `${PREFIX}${VERSION}-static`;
const ASSET_CACHE = `${PREFIX}${VERSION}-assets`;
const PAGE_CACHE = `${PREFIX}${VERSION}-pages`;
const HELP_CACHE = `${PREFIX}${VERSION}-help-pages`;
const KEPT_CACHE = `${PREFIX}${VERSION}-kept-pages`;
const OFFLINE_URL = "/offline";
const MANIFEST_URL = "/manifest.webmanifest"; // precached too: offline, the browser asks for it on every page
const MAX_PAGES = 60; // the most recently visited pages kept for offline use

self.addEventListener("install", (event) => {
  // The offline page is fetched without cookies: it must not carry the name or CSRF token of whoever
  // happened to be signed in when the worker installed. "no-cache" asks the server whether the copy the page
  // has just loaded is current (a 304, not the file again), so a new version never precaches an old file; the
  // stylesheet's name changes with its content (/static/build/), so the HTTP cache's copy is the current one.
  event.waitUntil(caches.open(STATIC_CACHE).then((cache) => cache.addAll(PRECACHE.map((url) =>
    new Request(url, { cache: url.startsWith("/static/build/") ? "default" : "no-cache",
                       credentials: url === OFFLINE_URL ? "omit" : "same-origin" })))));
  // No skipWaiting here: open pages keep the worker they started with until the user reloads.
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((key) => !key.startsWith(`${PREFIX}${VERSION}-`))
      .map((key) => caches.delete(key))))
    .then(() => self.clients.claim()));
});

self.addEventListener("message", (event) => {
  const type = event.data && event.data.type;
  if (type === "SKIP_WAITING") {
    self.skipWaiting();
  } else if (type === "signed-out") {
    event.waitUntil(clearPages());
  } else if (type === "keep-pages") {
    event.waitUntil(keepPages());
  }
});

function keepPages() {
  return caches.open(KEPT_CACHE).then((cache) => Promise.all(KEPT.map((url) =>
    fetch(new Request(url, { credentials: "same-origin", cache: "no-cache" }))
      .then((response) => (cacheable(response) ? putWhole(cache, url, response) : undefined))
      .catch(() => undefined))));
}

// Chrome drops the entry a put replaces before the new body has arrived, so a connection lost mid-download
// would lose the copy kept for exactly that moment. The body is read first; a failed read keeps the old copy.
// A fresh Response also answers a navigation even when the fetched one had been redirected.
function putWhole(cache, key, response) {
  return response.blob().then((body) => cache.put(key,
    new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })));
}

function clearPages() {
  // Every version's pages: a page of the user who signed out must not be shown to the next one.
  return caches.keys().then((keys) => Promise.all(
    keys.filter((key) => key.endsWith("-pages")).map((key) => caches.delete(key))));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && request.headers.get("HX-Boosted") === "true") {
    event.respondWith(boostedPost(event, request));
    return;
  }
  if (request.method !== "GET") return;
  if (url.pathname === MANIFEST_URL) {  // network first (it follows the language), the precached copy offline
    event.respondWith(fetch(request).catch(() => caches.match(url.href, { cacheName: STATIC_CACHE })
      .then((cached) => cached || Response.error())));
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFile(event, request, url));
    return;
  }
  if (isFullPage(request)) event.respondWith(page(event, request, url));
  // Anything else (htmx fragments, JSON, downloads) goes to the network untouched.
});

function isFullPage(request) {
  if (request.mode === "navigate") return true;
  const headers = request.headers;
  return headers.get("HX-Request") === "true" &&
    (headers.get("HX-Boosted") === "true" || headers.get("HX-History-Restore-Request") === "true");
}

async function staticFile(event, request, url) {
  const precached = await caches.match(url.href, { cacheName: STATIC_CACHE });
  if (precached) return precached;
  const cache = await caches.open(ASSET_CACHE);
  const hit = await cache.match(request);
  const fresh = fetch(request).then((response) => {
    if (response.ok) return cache.put(request, response.clone()).then(() => response);
    return response;
  });
  if (hit) {
    event.waitUntil(fresh.catch(() => undefined));
    return hit;
  }
  return fresh;
}

async function page(event, request, url) {
  const help = url.pathname === "/help" || url.pathname.startsWith("/help/");
  const kept = KEPT.includes(url.pathname);
  // A help page is kept without its query (the screen it was opened from): seen once, it opens offline from any.
  const key = url.pathname.startsWith("/help/") || kept ? url.origin + url.pathname : url.href;
  const cacheName = help ? HELP_CACHE : kept ? KEPT_CACHE : PAGE_CACHE;
  try {
    const response = await fetch(request);
    if (cacheable(response)) {
      // Keyed by URL alone, and looked up ignoring Vary: a boosted request and a navigation of the same URL
      // both get the full page.
      const copy = response.clone();
      event.waitUntil(caches.open(cacheName).then((cache) => putWhole(cache, key, copy))
        .then(help || kept ? undefined : trimPages).catch(() => undefined));
    }
    return response;
  } catch (error) {
    const cached = await caches.match(key, { cacheName, ignoreVary: true });
    if (cached) return cached;
    const offline = await caches.match(OFFLINE_URL, { cacheName: STATIC_CACHE, ignoreVary: true });
    return offline || Response.error();
  }
}

// A boosted form's POST is answered with a redirect that the browser follows on the network without asking this
// worker again, so the page it lands on (a count just opened, to be counted offline) would miss the pages cache.
// The worker sends the POST itself (once, as the page would) and keeps the page it was redirected to.
async function boostedPost(event, request) {
  const response = await fetch(request);
  // Still a boosted request after the redirect (it keeps its headers), so a full page, not a fragment.
  if (response.redirected && response.ok && response.type === "basic" &&
      (response.headers.get("Content-Type") || "").startsWith("text/html")) {
    const copy = response.clone();
    event.waitUntil(caches.open(PAGE_CACHE).then((cache) => putWhole(cache, response.url, copy))
      .then(trimPages).catch(() => undefined));
  }
  return response;
}

function cacheable(response) {
  // Not a redirect (a signed-out visit to / lands on the sign-in page) and not an error or a download.
  return response.ok && response.type === "basic" && !response.redirected &&
    (response.headers.get("Content-Type") || "").startsWith("text/html");
}

async function trimPages() {
  const cache = await caches.open(PAGE_CACHE);
  const keys = await cache.keys(); // insertion order: the oldest first
  await Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_PAGES)).map((key) => cache.delete(key)));
}
