// The course's service worker (written into the site root by coursekit/offline.py, which
// fills in BUILD below). Same origin only. It makes a repeat visit work offline and start
// Python from disk:
// - cache first for the big files that only change with a build (Pyodide, Ace, the pysim
//   wheel, Material's hashed bundle): one cache per build, older caches dropped on activate;
// - network first for everything else (pages, the course's scripts, manifests, checks), with
//   the cached copy when the network fails: online the learner always sees the current site.
// Nothing is downloaded ahead of the learner: files are kept as pages and the worker ask for them.
const BUILD = "__BUILD__";
const CACHE = "course-" + BUILD;
const CACHE_FIRST = /\/assets\/(pyodide|ace|wheels)\/|\/assets\/javascripts\/bundle\.[0-9a-f]+\.min\.js$|\/assets\/stylesheets\/(main|palette)\.[0-9a-f]+\.min\.css$/;

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("course-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && response.status === 200) await cache.put(request, response.clone());
  return response;
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && response.status === 200) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const hit = await cache.match(request, { ignoreSearch: request.mode === "navigate" });
    if (hit) return hit;
    throw error;
  }
}

// The page loaded itself (and its styles and scripts) before this worker controlled it, on the
// first visit: it sends their URLs once the worker is active, and the worker keeps those it
// does not have yet, so that very first page opens offline too.
self.addEventListener("message", (event) => {
  const msg = event.data || {};
  if (msg.type !== "keep" || !Array.isArray(msg.urls)) return;
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    for (const url of msg.urls) {
      if (typeof url !== "string" || new URL(url).origin !== self.location.origin) continue;
      if (await cache.match(url)) continue;
      try {
        const response = await fetch(url);
        if (response.ok && response.status === 200) await cache.put(url, response);
      } catch (e) { /* offline already: nothing to keep */ }
    }
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  if (request.headers.has("range")) return;
  event.respondWith(CACHE_FIRST.test(new URL(request.url).pathname) ? cacheFirst(request) : networkFirst(request));
});
