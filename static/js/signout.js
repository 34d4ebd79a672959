/* Signing out also removes the inspection pages kept for offline use, so that the next person using this
   phone cannot open them without a signal. Unsent inspections stay on the phone until their inspector
   signs in again and sends them.
   Pages may still be on their way into the cache (the page just opened, the assignments offline.js fetches):
   signing out waits for offline.js, then asks the service worker to empty the cache (it stops storing pages
   and waits for the writes under way), and only then sends the form. */
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-sign-out]");
  if (!form || !("caches" in window)) return;

  function emptiedByWorker() {
    var worker = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (!worker) return Promise.resolve();
    return new Promise(function (resolve) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function () { resolve(); };
      worker.postMessage({ type: "sign-out" }, [channel.port2]);
      setTimeout(resolve, 4000);  // a worker that does not answer must not keep anyone signed in
    });
  }

  form.addEventListener("submit", function (event) {
    if (form.dataset.cleared) return;
    event.preventDefault();
    var storing = Promise.resolve(window.gsOfflinePages).catch(function () {});
    // A worker that never installed, or a fetch hanging on a poor signal, must not keep anyone signed in.
    Promise.race([storing, new Promise(function (resolve) { setTimeout(resolve, 4000); })])
      .then(emptiedByWorker)
      .then(function () { return caches.delete("gs-inspection-pages"); })
      .catch(function () {})
      .then(function () {
        form.dataset.cleared = "yes";
        form.submit();
      });
  });
});
