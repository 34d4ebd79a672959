/* Walking a plot's boundary with no signal: a corner at each tap (the phone's GPS position and the accuracy it
   reports), kept on the phone (IndexedDB) as it is taken; "Finish and send" queues the boundary and it goes as soon
   as there is a signal. It carries a key made here, so a boundary that arrives twice is stored once. */
(function () {
  "use strict";
  var root = document.querySelector("[data-walk]");
  if (!root || !window.idbKeyval || !window.gsPhone) return;
  var store = window.idbKeyval;
  var text = root.dataset;
  var storeKey = "walk:" + root.dataset.plot;
  var statusBox = document.querySelector("[data-status]");
  var list = root.querySelector("[data-corners]");
  var record = null, sending = false;
  var retry = window.gsPhone.retrier(send);

  var newKey = window.gsPhone.newKey;
  function fresh() { return { key: newKey(), corners: [], state: "draft", result: null }; }
  function show(message, kind) { statusBox.textContent = message; statusBox.className = "flash flash-" + (kind || "info"); }

  function showState() {
    if (record.state === "sent") show(text.msgSent.replace("{area}", record.result || ""), "success");
    else if (record.state === "queued") show(navigator.onLine ? text.msgSending : text.msgQueued, "info");
    else show(text.msgSaved, "info");
    var locked = record.state !== "draft";
    root.querySelectorAll("[data-add], [data-undo], [data-send]").forEach(function (b) { b.disabled = locked; });
  }

  function render() {
    list.textContent = "";
    record.corners.forEach(function (c, i) {
      var item = document.createElement("li");
      item.textContent = text.msgCorner.replace("{n}", i + 1).replace("{m}", Math.round(c.accuracy)) +
        " (" + c.lat.toFixed(6) + ", " + c.lon.toFixed(6) + ")";
      list.appendChild(item);
    });
    root.querySelector("[data-count]").textContent = record.corners.length;
    showState();
  }

  function save() { return store.set(storeKey, record).then(render); }

  function add() {
    if (record.state !== "draft") return;
    if (!navigator.geolocation) { show(text.msgNoGps, "error"); return; }
    navigator.geolocation.getCurrentPosition(function (position) {
      record.corners.push({ lon: position.coords.longitude, lat: position.coords.latitude,
                            accuracy: position.coords.accuracy || 0 });
      save();
    }, function () { show(text.msgNoGps, "error"); }, { enableHighAccuracy: true, timeout: 30000, maximumAge: 0 });
  }



  function send(tokenRefreshed) {
    if (sending || !record || record.state !== "queued" || !navigator.onLine) { if (record) showState(); return; }
    sending = true;
    var sent = record;
    show(text.msgSending, "info");
    var worst = sent.corners.reduce(function (m, c) { return Math.max(m, c.accuracy); }, 0);
    fetch(root.dataset.syncUrl, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf, "Accept": "application/json" },
      body: JSON.stringify({ key: sent.key, source: "walked", accuracy_m: worst,
                             points: sent.corners.map(function (c) { return [c.lon, c.lat]; }) }),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) { return { status: response.status, body: body }; });
    }).then(function (reply) {
      sending = false;
      if (reply.status === 200 || reply.status === 201) {
        retry.reset();
        sent.state = "sent";
        if (reply.body.rai !== undefined) {
          sent.result = text.msgArea.replace("{rai}", reply.body.rai).replace("{ngan}", reply.body.ngan)
            .replace("{wa}", reply.body.square_wa);
        }
        return store.set(storeKey, sent).then(function () { if (record === sent) showState(); });
      }
      if (reply.body.code === "csrf" && !tokenRefreshed) {
        return window.gsPhone.refreshToken(root).then(function (ok) { if (ok) send(true); else show(reply.body.message, "error"); });
      }
      if (reply.status === 401) { show(reply.body.message || text.msgFailed, "error"); return; }
      if (reply.status >= 400 && reply.status < 500) {  // refused, nothing stored: walk it again or correct it
        sent.state = "draft";
        sent.key = newKey();
        return store.set(storeKey, sent).then(function () { if (record === sent) { render(); show(reply.body.message || text.msgFailed, "error"); } });
      }
      show(text.msgFailed, "error");
      retry.later();
    }).catch(function () { sending = false; showState(); retry.later(); });
  }

  root.querySelector("[data-add]").addEventListener("click", add);
  root.querySelector("[data-undo]").addEventListener("click", function () {
    if (record.state === "draft" && record.corners.length) { record.corners.pop(); save(); }
  });
  root.querySelector("[data-send]").addEventListener("click", function () {
    if (record.state !== "draft") return;
    if (record.corners.length < 3) { show(text.msgTooFew, "error"); return; }
    record.state = "queued";
    save().then(function () { send(); });
  });
  root.querySelector("[data-start-over]").addEventListener("click", function () {
    if (record.state === "sent" || !record.corners.length || window.confirm(text.msgConfirmReset)) {
      record = fresh();
      save();
    }
  });
  window.addEventListener("online", function () { retry.reset(); send(); });
  window.addEventListener("offline", function () { if (record) showState(); });

  root.hidden = false;
  store.get(storeKey).then(function (saved) {
    record = saved || fresh();
    render();
    if (!saved) save();
    send();
  });
})();
