/* Green Smile service worker: the inspector's pages, the tree measuring days and the boundary walk, and what they
   need, work with no signal.
   Served at /sw.js (scope: the whole site) with the release in VERSION, so a new release refreshes the
   cached assets. Only those pages and static files are cached; every other page stays online-only. */
importScripts("/static/vendor/workbox/workbox-sw.js");
workbox.setConfig({ debug: false, modulePathPrefix: "/static/vendor/workbox/" });

const VERSION = "__VERSION__";
const PAGES = "gs-inspection-pages";
const ASSETS = "gs-assets-" + VERSION;
const PRECACHE = [
  "/static/css/app.css",
  "/static/img/logo.svg",
  "/static/js/inspection.js",
  "/static/js/layout.js",
  "/static/js/measure.js",
  "/static/js/offline.js",
  "/static/js/phone.js",
  "/static/js/walk.js",
  "/static/vendor/idb-keyval/umd.js",
];

const { registerRoute } = workbox.routing;
const { NetworkFirst, StaleWhileRevalidate } = workbox.strategies;
const { CacheableResponsePlugin } = workbox.cacheableResponse;
const { ExpirationPlugin } = workbox.expiration;

// A page that came back as the sign-in page (an expired session) must not replace the cached form.
const notRedirected = { cacheWillUpdate: async ({ response }) => (response.redirected ? null : response) };

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(ASSETS).then((cache) => cache.addAll(PRECACHE)));
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) =>
      Promise.all(keys.filter((key) => key.startsWith("gs-assets-") && key !== ASSETS).map((key) => caches.delete(key)))
    )
  );
});
workbox.core.clientsClaim();

// Signing out empties the page cache. A page may still be on its way into it: a request answered just before, or
// one the page had sent and the worker sees only now. So from the sign-out until an inspection page says its
// inspector is signed in again, nothing is stored, and the sign-out waits for the writes already under way.
let signedOut = false;
const unfinished = new Map();  // each page request being handled, until its cache write (if any) has finished
const afterSignOut = {
  handlerWillStart: async ({ event }) => {
    let finish;
    unfinished.set(event, { done: new Promise((resolve) => { finish = resolve; }), finish });
  },
  handlerDidComplete: async ({ event }) => {
    const entry = unfinished.get(event);
    unfinished.delete(event);
    if (entry) entry.finish();
  },
  cacheWillUpdate: async ({ response }) => (signedOut ? null : response),
};

self.addEventListener("message", (event) => {
  const type = event.data && event.data.type;
  if (type === "signed-in") signedOut = false;
  if (type !== "sign-out") return;
  signedOut = true;
  const settled = Promise.all([...unfinished.values()].map((entry) => entry.done));
  const waited = Promise.race([settled, new Promise((resolve) => setTimeout(resolve, 3000))]);
  event.waitUntil(waited.then(() => caches.delete(PAGES)).then(() => {
    if (event.ports[0]) event.ports[0].postMessage("emptied");
  }));
});

registerRoute(
  ({ url, request }) =>
    url.origin === self.location.origin && request.method === "GET" &&
    (url.pathname === "/inspections" || url.pathname.startsWith("/inspections/assignments/") ||
     /^\/trees\/(plots\/[^/]+|groups\/\d+)\/measure$/.test(url.pathname) ||
     /^\/plots\/[^/]+\/boundary\/walk$/.test(url.pathname)),
  new NetworkFirst({
    cacheName: PAGES,
    networkTimeoutSeconds: 5,
    matchOptions: { ignoreVary: true },
    plugins: [afterSignOut, notRedirected, new CacheableResponsePlugin({ statuses: [200] }), new ExpirationPlugin({ maxEntries: 60 })],
  })
);

registerRoute(
  ({ url }) => url.origin === self.location.origin && url.pathname.startsWith("/static/"),
  new StaleWhileRevalidate({ cacheName: ASSETS, matchOptions: { ignoreVary: true } })
);
