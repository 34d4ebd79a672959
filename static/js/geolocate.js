// One tap fills latitude and longitude from the phone's GPS. Without JavaScript the fields are typed.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.querySelector("[data-geolocate]");
  if (!button || !("geolocation" in navigator)) return;
  var status = document.querySelector(".geolocate-status");
  button.hidden = false;
  button.addEventListener("click", function () {
    status.textContent = button.dataset.busy;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        document.getElementById("latitude").value = position.coords.latitude.toFixed(6);
        document.getElementById("longitude").value = position.coords.longitude.toFixed(6);
        status.textContent = "± " + Math.round(position.coords.accuracy) + " m";
      },
      function () { status.textContent = button.dataset.failed; },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 }
    );
  });
});
