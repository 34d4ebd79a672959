/* The farm directory: "near me" asks the browser for its position and searches again with it; the map shows the
   same farms as the list (the GeoJSON the API gives), clustered. Without script, Leaflet or tiles, the list and
   its filters still work. */
(function () {
  "use strict";
  var form = document.getElementById("farm-search");
  var button = document.getElementById("near-me");
  var status = document.getElementById("near-status");
  if (form && button && navigator.geolocation) {
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = button.getAttribute("data-waiting");
      navigator.geolocation.getCurrentPosition(function (position) {
        // about a kilometre is enough to sort by, and no more of the visitor's whereabouts reaches a log
        form.elements.lat.value = position.coords.latitude.toFixed(2);
        form.elements.lon.value = position.coords.longitude.toFixed(2);
        form.submit();
      }, function () {
        status.textContent = button.getAttribute("data-refused");
      }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 });
    });
  }

  var box = document.getElementById("farms-map");
  if (!box || !window.L) { return; }
  var map = L.map(box, { scrollWheelZoom: false }).setView([13.0, 101.0], 5);
  box.gsMap = map;  // for the browser tests
  var tiles = box.getAttribute("data-tiles");
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 18, attribution: box.getAttribute("data-attribution") || "" }).addTo(map);
  }
  var near = box.getAttribute("data-near");
  var you = near ? JSON.parse(near) : null;

  function popup(properties) {
    var div = document.createElement("div");
    var title = document.createElement("a");
    title.href = properties.page;
    title.textContent = (properties.farmer ? properties.farmer + " · " : "") + properties.code;
    div.appendChild(title);
    var where = document.createElement("p");
    where.textContent = properties.district + ", " + properties.province +
      (properties.crops.length ? " · " + properties.crops.join(", ") : "");
    div.appendChild(where);
    var standards = document.createElement("p");
    standards.textContent = properties.standards.map(function (s) { return s.name + ": " + s.status_label; }).join(" · ");
    div.appendChild(standards);
    if (properties.on_sale) {
      var market = document.createElement("a");
      market.href = properties.market;
      market.textContent = box.getAttribute("data-on-sale-label") + " (" + properties.on_sale + ")";
      div.appendChild(market);
    }
    return div;
  }

  fetch(box.getAttribute("data-source"), { headers: { Accept: "application/geo+json" } })
    .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
    .then(function (collection) {
      var cluster = L.markerClusterGroup({ showCoverageOnHover: false, maxClusterRadius: 50 });
      var markers = [];
      collection.features.forEach(function (feature) {
        if (!feature.geometry) { return; }
        var c = feature.geometry.coordinates;
        var marker = L.marker([c[1], c[0]], { title: feature.properties.code });
        marker.bindPopup(popup(feature.properties));
        markers.push(marker);
      });
      cluster.addLayers(markers);
      map.addLayer(cluster);
      var bounds = markers.length ? cluster.getBounds() : null;
      if (you) {
        var here = L.circleMarker([you[1], you[0]], { radius: 8, color: "#1565c0", fillOpacity: 0.6 }).addTo(map);
        bounds = bounds ? bounds.extend(here.getLatLng()) : L.latLngBounds([here.getLatLng()]);
      }
      if (bounds) { map.fitBounds(bounds, { padding: [24, 24], maxZoom: 13 }); }
      box.setAttribute("data-ready", String(markers.length));
    })
    .catch(function () {
      var note = document.createElement("p");
      note.className = "hint";
      note.textContent = box.getAttribute("data-failed");
      box.parentNode.insertBefore(note, box.nextSibling);
      box.setAttribute("data-ready", "error");
    });
})();
