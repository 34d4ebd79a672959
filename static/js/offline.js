/* Registers the service worker and keeps the inspector's assignment pages in the phone's cache,
   so they open in a field with no signal. */
(function () {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
    return navigator.serviceWorker.ready;
  }).then(function () {
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
