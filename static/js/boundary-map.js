/* A plot's boundary on a map (Leaflet, vendored). The page says everything in text too: without Leaflet or tiles
   (no signal, a blocked tile server) the facts stay, and the map shows the shape on a plain background. */
(function () {
  "use strict";
  var box = document.getElementById("boundary-map");
  if (!box || !window.L) { return; }
  var ring = JSON.parse(box.getAttribute("data-ring") || "[]");
  if (ring.length < 4) { return; }
  var map = L.map(box, { scrollWheelZoom: false });
  var tiles = box.getAttribute("data-tiles");
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 19, attribution: box.getAttribute("data-attribution") || "" }).addTo(map);
  }
  var shape = L.polygon(ring.map(function (p) { return [p[1], p[0]]; }), { color: "#2e7d32", weight: 3 });
  shape.addTo(map);
  map.fitBounds(shape.getBounds(), { padding: [16, 16] });
  box.setAttribute("data-ready", "1");
})();
