/* Signing out also removes the inspection pages kept for offline use, so that the next person using this
   phone cannot open them without a signal. Unsent inspections stay on the phone until their inspector
   signs in again and sends them. */
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[data-sign-out]");
  if (!form || !("caches" in window)) return;
  form.addEventListener("submit", function (event) {
    if (form.dataset.cleared) return;
    event.preventDefault();
    caches.delete("gs-inspection-pages").catch(function () {}).then(function () {
      form.dataset.cleared = "yes";
      form.submit();
    });
  });
});
