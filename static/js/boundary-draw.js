/* Drawing a plot's boundary on a map, or correcting the current one (Leaflet and Leaflet-Geoman, vendored): a tap at
   each corner, then corners dragged, added or removed. "Save" sends it as a walked boundary is sent (a one-time key,
   the phone's form token) and shows the area the server measured; the area shown while drawing is only this
   phone's estimate. A refused or unsent shape stays on the map to be corrected: nothing is lost but by
   "Start again". Without tiles the map is a plain background with the shape and the plot's point. */
(function () {
  "use strict";
  var root = document.querySelector("[data-draw]");
  var box = document.getElementById("draw-map");
  if (!root || !box) return;
  if (!window.L || !L.PM || !window.gsPhone) {  // a script did not arrive: say so rather than show a dead map
    var unloaded = root.querySelector("[data-unloaded]");
    if (unloaded) unloaded.hidden = false;
    return;
  }
  var text = root.dataset;
  var statusBox = root.querySelector("[data-status]");
  var reasonsList = root.querySelector("[data-reasons]");
  var liveBox = root.querySelector("[data-live]");
  var doneBox = root.querySelector("[data-done]");
  var undoButton = root.querySelector("[data-undo]");
  var saveButton = root.querySelector("[data-save]");
  var THAILAND = [[5.6, 97.3], [20.5, 105.7]];
  var STYLE = { color: "#2e7d32", weight: 3 };

  var shape = null;      // the finished polygon, editable
  var working = null;    // the line being drawn, before it is closed
  var key = null;        // the one-time key of the shape as it is now: a new one once it changes or is refused
  var saved = false, sending = false, restarting = false;

  // Two corners tapped quickly would read as a double tap and zoom in under the finger: zoom with the buttons.
  var map = L.map(box, { scrollWheelZoom: false, doubleClickZoom: false });
  box.gsMap = map;  // the browser tests place their taps with it
  if (box.dataset.tiles) {
    L.tileLayer(box.dataset.tiles, { maxZoom: 19, attribution: box.dataset.attribution || "" }).addTo(map);
  }
  var ring = JSON.parse(box.dataset.ring || "[]");
  var point = JSON.parse(box.dataset.point || "[]");
  if (point.length === 2) {
    L.circleMarker([point[1], point[0]], { radius: 6, color: "#1b5e20", fillOpacity: 0.9, interactive: false,
                                           pmIgnore: true }).addTo(map);
  }
  map.pm.setLang("greensmile", { tooltips: { firstVertex: text.msgFirst, continueLine: text.msgNext,
                                             finishPoly: text.msgClose } }, "en");
  map.pm.setGlobalOptions({ snappable: false, allowSelfIntersection: true, pathOptions: STYLE,
                            templineStyle: STYLE, hintlineStyle: { color: STYLE.color, dashArray: "5,5" } });

  function latLngs() {
    if (shape) return shape.getLatLngs()[0];
    return working ? working.getLatLngs() : [];
  }
  function round(x) { return Math.round(x * 1e7) / 1e7; }

  // On the sphere of the WGS 84 ellipsoid's area (authalic radius): within a few tenths of a percent of the figure
  // the server gives on the ellipsoid, enough to watch the area while drawing.
  function areaM2(points) {
    if (points.length < 3) return 0;
    var rad = Math.PI / 180, sum = 0;
    for (var i = 0; i < points.length; i++) {
      var a = points[i], b = points[(i + 1) % points.length];
      sum += (b.lng - a.lng) * rad * (2 + Math.sin(a.lat * rad) + Math.sin(b.lat * rad));
    }
    return Math.abs(sum * 6371007.2 * 6371007.2 / 2);
  }
  function inRai(m2) {  // as plots.m2_to_area writes it: 1 rai = 4 ngan = 400 square wa = 1,600 m²
    var rai = Math.floor(m2 / 1600), rest = m2 - rai * 1600, ngan = Math.floor(rest / 400);
    return text.msgArea.replace("{rai}", rai).replace("{ngan}", ngan).replace("{wa}", ((rest - ngan * 400) / 4).toFixed(1));
  }
  function showLive() {
    var points = latLngs();
    liveBox.textContent = points.length >= 3 ? text.msgAbout.replace("{area}", inRai(areaM2(points)) + " · " +
      (areaM2(points) / 10000).toFixed(2) + " " + text.msgHa) : "";
    undoButton.hidden = !working || !points.length;
  }

  function show(message, kind, reasons) {
    statusBox.hidden = !message;
    statusBox.className = "flash flash-" + (kind || "info");
    statusBox.querySelector("[data-message]").textContent = message || "";
    reasonsList.textContent = "";
    (reasons || []).forEach(function (reason) {
      var item = document.createElement("li");
      item.textContent = reason;
      reasonsList.appendChild(item);
    });
  }

  function changed() {
    if (saved) show("");  // the stored area is not this shape's any more (a refusal's reasons stay, to correct by)
    key = null;
    saved = false;
    doneBox.hidden = true;
    showLive();
  }

  function draw() {
    restarting = true;
    map.pm.enableDraw("Polygon", { tooltips: true, finishOn: null });
    restarting = false;
  }

  function edit(layer) {
    shape = layer;
    shape.pm.enable({ allowSelfIntersection: true, snappable: false, draggable: false });
    shape.on("pm:markerdrag pm:edit pm:vertexadded pm:vertexremoved", changed);
  }

  map.on("pm:drawstart", function (e) {
    working = e.workingLayer;
    working.on("pm:vertexadded pm:vertexremoved", changed);
    showLive();
  });
  map.on("pm:drawend", function () {
    working = null;
    if (!shape && !restarting) draw();  // the last corner taken away: drawing goes on, from nothing
    showLive();
  });
  map.on("pm:create", function (e) {
    edit(e.layer);
    changed();
  });

  function save(tokenRefreshed) {
    if (sending) return;
    if (!shape && working && working.getLatLngs().length >= 3) {
      map.pm.Draw.Polygon._finishShape();  // what Geoman's own "Finish" button does
    }
    var points = latLngs();
    if (!shape || points.length < 3) { show(text.msgTooFew, "error"); return; }
    key = key || window.gsPhone.newKey();
    sending = true;
    saveButton.disabled = true;
    show(text.msgSending, "info");
    var area = inRai(areaM2(points));
    fetch(root.dataset.syncUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf, "Accept": "application/json" },
      body: JSON.stringify({ key: key, source: "drawn", points: points.map(function (p) { return [round(p.lng), round(p.lat)]; }) }),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) { return { status: response.status, body: body }; });
    }).then(function (reply) {
      sending = false;
      saveButton.disabled = false;
      var body = reply.body;
      if (reply.status === 201) {
        saved = true;
        key = null;  // a correction after this is another boundary
        show(text.msgStored.replace("{rai}", body.rai).replace("{ngan}", body.ngan).replace("{wa}", Number(body.square_wa).toFixed(1))
          .replace("{ha}", Number(body.hectares).toFixed(2)) + (body.flagged ? " " + text.msgFlagged : ""), "success");
        doneBox.hidden = false;
      } else if (reply.status === 200) {  // sent before, its answer lost on the way
        saved = true;
        key = null;
        show(text.msgAlready.replace("{area}", area), "success");
        doneBox.hidden = false;
      } else if (body.code === "csrf" && !tokenRefreshed) {
        window.gsPhone.refreshToken(root).then(function (ok) { if (ok) save(true); else show(text.msgSignedOut, "error"); },
                                                function () { show(text.msgOffline, "error"); });
      } else if (reply.status === 401) {
        show(text.msgSignedOut, "error");
      } else if (body.code === "refused" && body.reasons) {
        show(text.msgRefused, "error", body.reasons);
      } else {
        show(body.message || text.msgFailed, "error");
      }
    }).catch(function () {
      sending = false;
      saveButton.disabled = false;
      show(text.msgOffline, "error");
    });
  }

  saveButton.addEventListener("click", function () { save(false); });
  undoButton.addEventListener("click", function () {
    if (working) map.pm.Draw.Polygon._removeLastVertex();  // Geoman's own "Remove last vertex"
  });
  root.querySelector("[data-start-over]").addEventListener("click", function () {
    if (!saved && latLngs().length && !window.confirm(text.msgConfirmReset)) return;
    if (shape) { map.removeLayer(shape); shape = null; }
    show("");
    changed();
    draw();
  });

  if (ring.length >= 4) {
    var shown = L.polygon(ring.slice(0, -1).map(function (p) { return [p[1], p[0]]; }), STYLE).addTo(map);
    map.fitBounds(shown.getBounds(), { padding: [24, 24] });
    edit(shown);
  } else {
    if (point.length === 2) map.setView([point[1], point[0]], 17);
    else map.fitBounds(THAILAND);
    draw();
  }
  showLive();
  box.setAttribute("data-ready", "1");
})();
