/* The inspection form, made for a phone in a field with no signal.
   Every answer, note, photo and the GPS position is saved on the phone (IndexedDB) as it is entered.
   "Send" queues the inspection; it is sent now if there is a signal, else as soon as there is one.
   The id made here travels with it, so a submission that arrives twice is stored once. */
(function () {
  "use strict";
  var root = document.querySelector("[data-inspection]");
  if (!root || !window.idbKeyval) return;
  var store = window.idbKeyval;
  var text = root.dataset;  // translated messages, from the page
  var key = "inspection:" + root.dataset.assignment + (root.dataset.supersedes ? ":fix:" + root.dataset.supersedes : "");
  var record = null;
  var sending = false;
  var statusBox = document.querySelector("[data-status]");
  var photoList = document.querySelector("[data-photos]");

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function fresh() {
    return {
      client_uuid: uuid(),
      assignment_id: Number(root.dataset.assignment),
      supersedes_id: root.dataset.supersedes ? Number(root.dataset.supersedes) : null,
      visited_at: new Date().toISOString(),
      answers: {},
      recommendation: "",
      summary: "",
      position: null,
      photos: [],
      state: "draft",
    };
  }

  function show(message, kind) {
    statusBox.textContent = message;
    statusBox.className = "flash flash-" + (kind || "info");
  }

  function showState() {
    if (record.state === "sent") show(text.msgSent, "success");
    else if (record.state === "queued") show(navigator.onLine ? text.msgSending : text.msgQueued, "info");
    else show(text.msgSaved, "info");
    root.classList.toggle("is-sent", record.state === "sent");
    root.querySelector("[data-start-over]").hidden = record.state === "sent";
    var correct = root.querySelector("[data-correct]");
    correct.hidden = record.state !== "sent";
    if (record.sent_id) correct.href = location.pathname + "?supersedes=" + record.sent_id;
  }

  function save() {
    return store.set(key, record).then(showState);
  }

  function render() {
    Object.keys(record.answers).forEach(function (itemId) {
      var entry = record.answers[itemId];
      var radio = root.querySelector('input[name="answer-' + itemId + '"][value="' + entry.answer + '"]');
      if (radio) radio.checked = true;
      var note = root.querySelector('textarea[name="note-' + itemId + '"]');
      if (note) note.value = entry.note || "";
    });
    root.querySelectorAll('input[name="recommendation"]').forEach(function (radio) {
      radio.checked = radio.value === record.recommendation;
    });
    root.querySelector('textarea[name="summary"]').value = record.summary || "";
    renderPosition();
    renderPhotos();
    showState();
  }

  function renderPosition() {
    var out = root.querySelector("[data-position]");
    if (!record.position) { out.textContent = text.msgNoPosition; return; }
    var p = record.position;
    out.textContent = p.latitude.toFixed(6) + ", " + p.longitude.toFixed(6) + " (± " + Math.round(p.accuracy) + " m) · " +
      new Date(p.taken_at).toLocaleString(document.documentElement.lang === "th" ? "th-TH" : "en-GB");
  }

  function renderPhotos() {
    photoList.textContent = "";
    record.photos.forEach(function (photo) {
      var item = document.createElement("li");
      var img = document.createElement("img");
      img.src = URL.createObjectURL(photo.blob);
      img.alt = photo.item_ref ? text.msgPhotoOf + " " + photo.item_ref : text.msgPhoto;
      item.appendChild(img);
      if (photo.item_ref) {
        var label = document.createElement("span");
        label.textContent = photo.item_ref;
        item.appendChild(label);
      }
      if (record.state !== "sent") {
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "linklike";
        remove.textContent = text.msgRemove;
        remove.addEventListener("click", function () {
          record.photos = record.photos.filter(function (p) { return p.id !== photo.id; });
          save().then(renderPhotos);
        });
        item.appendChild(remove);
      }
      photoList.appendChild(item);
    });
  }

  // Photos are made small on the phone: quicker to send on slow data, lighter to keep offline.
  function shrink(file) {
    return new Promise(function (resolve) {
      var img = new Image();
      var url = URL.createObjectURL(file);
      img.onload = function () {
        var scale = Math.min(1, 1600 / Math.max(img.naturalWidth, img.naturalHeight));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(img.naturalWidth * scale);
        canvas.height = Math.round(img.naturalHeight * scale);
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", 0.85);
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(file); };
      img.src = url;
    });
  }

  function onChange(event) {
    var target = event.target;
    if (record.state === "sent") return;
    if (target.name && target.name.indexOf("answer-") === 0) {
      var itemId = target.name.slice(7);
      record.answers[itemId] = record.answers[itemId] || { note: "" };
      record.answers[itemId].answer = target.value;
    } else if (target.name && target.name.indexOf("note-") === 0) {
      var noteId = target.name.slice(5);
      record.answers[noteId] = record.answers[noteId] || { answer: "" };
      record.answers[noteId].note = target.value;
    } else if (target.name === "recommendation") {
      record.recommendation = target.value;
    } else if (target.name === "summary") {
      record.summary = target.value;
    } else if (target.type === "file" && target.files.length) {
      var files = Array.prototype.slice.call(target.files);
      var itemId2 = target.dataset.photoItem || null;
      var ref = target.dataset.ref || "";
      target.value = "";
      return Promise.all(files.map(shrink)).then(function (blobs) {
        blobs.forEach(function (blob) {
          record.photos.push({ id: uuid(), item_id: itemId2 ? Number(itemId2) : null, item_ref: ref, blob: blob });
        });
        return save();
      }).then(renderPhotos);
    } else {
      return;
    }
    return save();
  }

  function takePosition() {
    if (!("geolocation" in navigator)) { show(text.msgNoGps, "error"); return; }
    show(text.msgFinding, "info");
    navigator.geolocation.getCurrentPosition(function (position) {
      record.position = {
        latitude: position.coords.latitude,
        longitude: position.coords.longitude,
        accuracy: position.coords.accuracy,
        taken_at: new Date(position.timestamp || Date.now()).toISOString(),
      };
      record.visited_at = record.position.taken_at;
      save().then(renderPosition);
    }, function () { show(text.msgNoGps, "error"); }, { enableHighAccuracy: true, timeout: 30000, maximumAge: 60000 });
  }

  function missing() {
    var unanswered = [];
    root.querySelectorAll("[data-item]").forEach(function (row) {
      var entry = record.answers[row.dataset.item];
      row.classList.toggle("unanswered", !(entry && entry.answer));
      if (!(entry && entry.answer)) unanswered.push(row.dataset.ref);
    });
    return unanswered;
  }

  function queue() {
    if (record.state === "sent") return;
    var unanswered = missing();
    if (unanswered.length) { show(text.msgUnanswered + " " + unanswered.join(", "), "error"); return; }
    if (!record.recommendation) { show(text.msgNoRecommendation, "error"); return; }
    record.state = "queued";
    save().then(send);
  }

  function send() {
    if (sending || !record || record.state !== "queued" || !navigator.onLine) { if (record) showState(); return; }
    sending = true;
    show(text.msgSending, "info");
    var form = new FormData();
    var payload = {
      client_uuid: record.client_uuid,
      assignment_id: record.assignment_id,
      supersedes_id: record.supersedes_id,
      visited_at: record.visited_at,
      recommendation: record.recommendation,
      summary: record.summary,
      position: record.position,
      answers: record.answers,
      photos: record.photos.map(function (photo, index) { return { field: "photo-" + index, item_id: photo.item_id }; }),
    };
    form.append("inspection", JSON.stringify(payload));
    record.photos.forEach(function (photo, index) { form.append("photo-" + index, photo.blob, "photo-" + index + ".jpg"); });
    fetch(root.dataset.syncUrl, {
      method: "POST", body: form, credentials: "same-origin",
      headers: { "X-CSRFToken": root.dataset.csrf, "Accept": "application/json" },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) { return { status: response.status, body: body }; });
    }).then(function (reply) {
      sending = false;
      if (reply.status === 200 || reply.status === 201) {
        record.state = "sent";
        record.sent_id = reply.body.id;
        return save();
      }
      show(reply.body.message || text.msgFailed, "error");  // kept queued: nothing is lost
    }).catch(function () {
      sending = false;
      showState();  // no signal after all: it stays queued and goes when the phone is back online
    });
  }

  root.addEventListener("change", onChange);
  root.addEventListener("input", function (event) { if (event.target.tagName === "TEXTAREA") onChange(event); });
  root.querySelector("[data-take-position]").addEventListener("click", takePosition);
  root.querySelector("[data-send]").addEventListener("click", queue);
  root.querySelector("[data-start-over]").addEventListener("click", function () {
    if (window.confirm(text.msgConfirmReset)) {
      record = fresh();
      save().then(function () { root.querySelectorAll("input[type=radio]").forEach(function (r) { r.checked = false; }); render(); });
    }
  });
  window.addEventListener("online", send);
  window.addEventListener("offline", showState);

  root.hidden = false;
  store.get(key).then(function (saved) {
    record = saved || fresh();
    render();
    if (!saved) save();
    send();
  });
})();
