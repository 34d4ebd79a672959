/* Registers the service worker and keeps the inspector's assignment pages in the phone's cache,
   so they open in a field with no signal. */
(function () {
  if (!("serviceWorker" in navigator)) return;
  // Kept on the window so that signing out can wait for the pages being stored before it removes them.
  window.gsOfflinePages = navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
    return navigator.serviceWorker.ready;
  }).then(function (registration) {
    // This page is only shown to a signed-in inspector: the worker may store pages again after a sign-out.
    if (registration.active) registration.active.postMessage({ type: "signed-in" });
    if (!navigator.onLine || !("caches" in window)) return;
    var urls = [location.pathname];
    document.querySelectorAll("[data-offline-page]").forEach(function (link) { urls.push(link.getAttribute("href")); });
    return caches.open("gs-inspection-pages").then(function (cache) {
      return Promise.all(urls.map(function (url) {
        return fetch(url, { credentials: "same-origin" }).then(function (response) {
          if (response.ok && !response.redirected) return cache.put(url, response);
        }).catch(function () {});
      }));
    });
  }).then(function () {
    document.documentElement.dataset.offlineReady = "yes";
  }).catch(function () {});
})();
