/* The network map: one request for every plot (GeoJSON), clustered markers at each plot's centre when zoomed out,
   the boundaries (drawn on a canvas, simplified by Leaflet at each zoom) when zoomed in; each coloured by its
   status, with the colours read from the page's legend so the stylesheet holds them once. */
(function () {
  "use strict";
  var box = document.getElementById("network-map");
  if (!box || !window.L) { return; }
  var SHAPES_FROM_ZOOM = 15;
  var count = document.getElementById("map-count");
  var colours = {}, labels = {};
  document.querySelectorAll("#map-legend [data-status]").forEach(function (item) {
    var swatch = item.querySelector(".swatch");
    colours[item.getAttribute("data-status")] = getComputedStyle(swatch).backgroundColor;
    labels[item.getAttribute("data-status")] = item.getAttribute("data-label");
  });
  var visitColour = document.querySelector("#map-legend .swatch.visit");
  visitColour = visitColour ? getComputedStyle(visitColour).borderTopColor : "#1565c0";

  var map = L.map(box, { preferCanvas: true, scrollWheelZoom: false }).setView([13.0, 101.0], 5);
  box.gsMap = map;  // for the browser tests
  var tiles = box.getAttribute("data-tiles");
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 19, attribution: box.getAttribute("data-attribution") || "" }).addTo(map);
  }

  function popup(p) {
    var div = document.createElement("div");
    var link = document.createElement("a");
    link.href = box.getAttribute("data-plot-url").replace("CODE", encodeURIComponent(p.code));
    link.textContent = p.code + (p.name ? " · " + p.name : "");
    div.appendChild(link);
    var who = document.createElement("p");
    who.textContent = p.farmer + " · " + (labels[p.status] || p.status);
    div.appendChild(who);
    if (p.visit) {  // the inspector's planned visit opens its form (the plot may be another group's)
      var visit = document.createElement("a");
      visit.href = box.getAttribute("data-visit-url").replace(/0$/, String(p.assignment));
      visit.textContent = box.getAttribute("data-visit-label") + " " + (p.visit_label || p.visit);
      div.appendChild(document.createElement("br"));
      div.appendChild(visit);
    }
    return div;
  }

  fetch(box.getAttribute("data-source"), { headers: { Accept: "application/geo+json" }, credentials: "same-origin" })
    .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
    .then(function (collection) {
      var cluster = L.markerClusterGroup({ showCoverageOnHover: false, chunkedLoading: true,
                                           disableClusteringAtZoom: SHAPES_FROM_ZOOM });
      var shapes = L.layerGroup();
      var markers = [];
      collection.features.forEach(function (feature) {
        var p = feature.properties;
        var colour = colours[p.status] || "#9e9e9e";
        var at = L.latLng(p.at[1], p.at[0]);
        var marker = L.circleMarker(at, { radius: 7, color: p.visit ? visitColour : "#fff", weight: p.visit ? 3 : 1.5,
                                          fillColor: colour, fillOpacity: 0.9 });
        marker.bindPopup(function () { return popup(p); });
        markers.push(marker);
        if (feature.geometry.type === "Polygon") {
          var ring = feature.geometry.coordinates[0].map(function (c) { return [c[1], c[0]]; });
          L.polygon(ring, { color: p.visit ? visitColour : colour, weight: p.visit ? 3 : 2, fillColor: colour,
                            fillOpacity: 0.35, smoothFactor: 1.5 })
            .bindPopup(function () { return popup(p); }).addTo(shapes);
        }
      });
      cluster.addLayers(markers);
      map.addLayer(cluster);
      function showShapes() {
        if (map.getZoom() >= SHAPES_FROM_ZOOM) { map.addLayer(shapes); } else { map.removeLayer(shapes); }
      }
      map.on("zoomend", showShapes);
      if (markers.length) { map.fitBounds(cluster.getBounds(), { padding: [16, 16], maxZoom: 16 }); }
      showShapes();
      if (count) {
        count.textContent = count.getAttribute(collection.unplaced ? "data-template" : "data-all")
          .replace("{shown}", markers.length).replace("{unplaced}", collection.unplaced);
      }
      box.setAttribute("data-ready", String(markers.length));
    })
    .catch(function () {
      if (count) { count.textContent = count.getAttribute("data-failed"); }
      box.setAttribute("data-ready", "error");
    });
})();
