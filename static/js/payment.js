// The payment page: wait for Stripe's word (through our server) and move on; on the card page, Stripe.js
// takes the card details (they never reach our server).
(function () {
  "use strict";
  var box = document.getElementById("payment");
  if (!box) return;
  var statusUrl = box.getAttribute("data-status-url");

  function poll() {
    fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.next) { window.location.assign(data.next); return; }
        if (statusUrl) window.setTimeout(poll, 4000); // a settled payment's page stays put
      })
      .catch(function () { window.setTimeout(poll, 8000); });
  }
  if (statusUrl) window.setTimeout(poll, 4000); // a settled payment's page stays put

  var form = document.getElementById("card-form");
  if (!form || typeof window.Stripe !== "function") return;
  var stripe = window.Stripe(form.getAttribute("data-key"));
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    stripe.confirmCardPayment(form.getAttribute("data-secret"), { payment_method: { card: card } })
      .then(function (result) {
        if (result.error) {
          document.getElementById("card-error").textContent = result.error.message;
          button.disabled = false;
        }
      });
  });
})();
