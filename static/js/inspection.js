/* The inspection form, made for a phone in a field with no signal.
   Every answer, note, photo and the GPS position is saved on the phone (IndexedDB) as it is entered.
   "Send" queues the inspection; it is sent now if there is a signal, else as soon as there is one.
   The id made here travels with it, so a submission that arrives twice is stored once. */
(function () {
  "use strict";
  var root = document.querySelector("[data-inspection]");
  if (!root || !window.idbKeyval || !window.gsPhone) return;
  var uuid = window.gsPhone.uuid;
  var shrink = function (file) { return window.gsPhone.shrink(file, 1600, 0.85); };
  var store = window.idbKeyval;
  var text = root.dataset;  // translated messages, from the page
  var key = "inspection:" + root.dataset.assignment + (root.dataset.supersedes ? ":fix:" + root.dataset.supersedes : "");
  var record = null;
  var sending = false;
  var retry = window.gsPhone.retrier(send);
  var MAX_PHOTO_BYTES = 12 * 1024 * 1024;  // the server takes 16 MB a request; leave room for the rest
  var statusBox = document.querySelector("[data-status]");
  var photoList = document.querySelector("[data-photos]");

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
      requests: [],  // corrective action requests raised in an internal audit (group certificates only)
      answered: false,
      state: "draft",  // draft: editable; queued: waiting to be sent, frozen; sent: stored on the server
    };
  }

  function show(message, kind) {
    statusBox.textContent = message;
    statusBox.className = "flash flash-" + (kind || "info");
  }

  // Once queued, an inspection is frozen: the server may already hold it (a reply can be lost), and
  // what the phone shows must be what the server stores. A refusal by the server unfreezes it.
  function lock() {
    var locked = record.state !== "draft";
    root.querySelectorAll("input, textarea, select, [data-add-request], [data-remove-request]").forEach(function (field) {
      field.disabled = locked;
    });
    root.querySelector("[data-send]").disabled = locked;
  }

  function showState() {
    if (record.state === "sent") show(text.msgSent, "success");
    else if (record.state === "queued") show(navigator.onLine ? text.msgSending : text.msgQueued, "info");
    else show(text.msgSaved, "info");
    root.classList.toggle("is-sent", record.state === "sent");
    root.querySelector("[data-start-over]").hidden = record.state !== "draft";
    lock();
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
    renderRequests();
    showState();
  }

  var requestList = root.querySelector("[data-requests]");
  var requestTemplate = root.querySelector("template[data-request-template]");

  function renderRequests() {
    if (!requestList || !requestTemplate) return;
    requestList.textContent = "";
    (record.requests || []).forEach(function (request, index) {
      var row = requestTemplate.content.firstElementChild.cloneNode(true);
      row.querySelectorAll("[name]").forEach(function (field) {
        var part = field.getAttribute("name");
        field.name = part + "-" + index;
        if (field.id) { field.id = field.id + "-" + index; }
        field.value = request[part === "req-severity" ? "severity" : part === "req-finding" ? "finding" : "due_on"] || field.value;
      });
      row.querySelectorAll("label[for]").forEach(function (label) { label.htmlFor = label.htmlFor + "-" + index; });
      row.querySelector("[data-remove-request]").addEventListener("click", function () {
        if (record.state !== "draft") return;
        record.requests.splice(index, 1);
        save().then(renderRequests);
      });
      requestList.appendChild(row);
    });
    lock();
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

  function onChange(event) {
    var target = event.target;
    if (record.state !== "draft") return;
    if (target.name && target.name.indexOf("answer-") === 0) {
      var itemId = target.name.slice(7);
      if (!record.answered && !record.position) record.visited_at = new Date().toISOString();  // the visit starts
      record.answered = true;
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
    } else if (target.name && target.name.indexOf("req-") === 0) {
      var parts = target.name.split("-");  // req-severity-0, req-finding-0, req-due-0
      var request = record.requests[Number(parts[2])];
      if (!request) return;
      request[parts[1] === "due" ? "due_on" : parts[1]] = target.value;
    } else if (target.type === "file" && target.files.length) {
      var files = Array.prototype.slice.call(target.files);
      var itemId2 = target.dataset.photoItem || null;
      var ref = target.dataset.ref || "";
      target.value = "";
      return Promise.all(files.map(shrink)).then(function (blobs) {
        var total = record.photos.reduce(function (sum, photo) { return sum + photo.blob.size; }, 0);
        blobs.forEach(function (blob) {
          if (total + blob.size > MAX_PHOTO_BYTES) { show(text.msgTooManyPhotos, "error"); return; }
          total += blob.size;
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
    var unfinished = (record.requests || []).filter(function (r) { return !r.finding || !r.due_on; });
    if (unfinished.length) { show(text.msgRequestUnfinished, "error"); return; }
    record.state = "queued";
    save().then(send);
  }



  function post(sent) {
    var form = new FormData();
    var payload = {
      client_uuid: sent.client_uuid,
      assignment_id: sent.assignment_id,
      supersedes_id: sent.supersedes_id,
      visited_at: sent.visited_at,
      recommendation: sent.recommendation,
      summary: sent.summary,
      position: sent.position,
      answers: sent.answers,
      photos: sent.photos.map(function (photo, index) { return { field: "photo-" + index, item_id: photo.item_id }; }),
      requests: (sent.requests || []).map(function (r) { return { severity: r.severity, finding: r.finding, due_on: r.due_on }; }),
    };
    form.append("inspection", JSON.stringify(payload));
    sent.photos.forEach(function (photo, index) { form.append("photo-" + index, photo.blob, "photo-" + index + ".jpg"); });
    return fetch(root.dataset.syncUrl, {
      method: "POST", body: form, credentials: "same-origin",
      headers: { "X-CSRFToken": root.dataset.csrf, "Accept": "application/json" },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) { return { status: response.status, body: body }; });
    });
  }

  function send(tokenRefreshed) {
    if (sending || !record || record.state !== "queued" || !navigator.onLine) { if (record) showState(); return; }
    sending = true;
    var sent = record;  // the reply belongs to this record, whatever happens on the page meanwhile
    show(text.msgSending, "info");
    post(sent).then(function (reply) {
      sending = false;
      if (reply.status === 200 || reply.status === 201) {
        retry.reset();
        sent.state = "sent";
        sent.sent_id = reply.body.id;
        return store.set(key, sent).then(function () { if (record === sent) showState(); });
      }
      if (reply.body.code === "csrf" && !tokenRefreshed) {
        return window.gsPhone.refreshToken(root).then(function (ok) { if (ok) send(true); else show(reply.body.message, "error"); });
      }
      if (reply.status === 401) {  // signed out: keep it queued, it goes after signing in again
        show(reply.body.message || text.msgFailed, "error");
        return;
      }
      if (reply.status >= 400 && reply.status < 500) {  // refused, so not stored: editable again
        sent.state = "draft";
        return store.set(key, sent).then(function () {
          if (record === sent) { showState(); show(reply.body.message || text.msgFailed, "error"); }
        });
      }
      show(text.msgFailed, "error");
      retry.later();  // the server had trouble: try again later
    }).catch(function () {
      sending = false;
      showState();  // a weak signal: it stays queued and is tried again
      retry.later();
    });
  }

  root.addEventListener("change", onChange);
  root.addEventListener("input", function (event) { if (event.target.tagName === "TEXTAREA") onChange(event); });
  root.querySelector("[data-take-position]").addEventListener("click", takePosition);
  root.querySelector("[data-send]").addEventListener("click", queue);
  var addRequest = root.querySelector("[data-add-request]");
  if (addRequest) addRequest.addEventListener("click", function () {
    if (record.state !== "draft") return;
    record.requests = record.requests || [];
    record.requests.push({ severity: "major", finding: "", due_on: "" });
    save().then(renderRequests);
  });
  root.querySelector("[data-start-over]").addEventListener("click", function () {
    if (window.confirm(text.msgConfirmReset)) {
      record = fresh();
      save().then(function () { root.querySelectorAll("input[type=radio]").forEach(function (r) { r.checked = false; }); render(); });
    }
  });
  window.addEventListener("online", function () { retry.reset(); send(); });
  window.addEventListener("offline", showState);

  root.hidden = false;
  store.get(key).then(function (saved) {
    record = saved || fresh();
    render();
    if (!saved) save();
    send();
  });
})();
