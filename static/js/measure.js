/* The measuring day, made for a group walking its trees with no signal: tag, girth, height, next.
   Every tree is saved on the phone (IndexedDB) as it is entered; "Send" queues the day and it goes as soon as there
   is a signal. Each measurement carries an id made here, so a day that arrives twice is stored once. */
(function () {
  "use strict";
  var root = document.querySelector("[data-measure]");
  if (!root || !window.idbKeyval || !window.gsPhone) return;
  var uuid = window.gsPhone.uuid;
  var shrink = function (file) { return window.gsPhone.shrink(file, 1280, 0.8); };
  var store = window.idbKeyval;
  var text = root.dataset;
  var key = "measure:" + root.dataset.scope;
  var tags = JSON.parse(root.dataset.tags);
  var statusBox = document.querySelector("[data-status]");
  var list = root.querySelector("[data-rows]");
  var field = function (name) { return root.querySelector("[name=" + name + "]"); };
  var record = null;
  var sending = false;
  var retry = window.gsPhone.retrier(send);

  function fresh() {
    // A new day starts on the server's today (the field's max), not on the date of the day before.
    return { measured_on: field("measured_on").getAttribute("max"), rows: [], state: "draft", confirmed: false };
  }

  function show(message, kind) {
    statusBox.textContent = message;
    statusBox.className = "flash flash-" + (kind || "info");
  }

  function showState() {
    if (record.state === "sent") show(text.msgSent + " (" + record.rows.length + ")", "success");
    else if (record.state === "queued") show(navigator.onLine ? text.msgSending : text.msgQueued, "info");
    else show(text.msgSaved, "info");
    var locked = record.state === "queued" || record.state === "sent";
    root.querySelectorAll(".measure-entry input, .measure-entry button, [name=measured_on], select, [data-send], [data-remove]")
      .forEach(function (f) { f.disabled = locked; });
    root.querySelector("[data-confirm]").hidden = record.state !== "question";
  }

  function save() { return store.set(key, record).then(showState); }

  function fillTags() {
    var datalist = root.querySelector("#tags");
    datalist.textContent = "";
    (tags[field("plot").value] || []).forEach(function (tag) {
      var option = document.createElement("option");
      option.value = tag;
      datalist.appendChild(option);
    });
  }

  function render() {
    field("measured_on").value = record.measured_on;
    list.textContent = "";
    record.rows.forEach(function (row, index) {
      var item = document.createElement("li");
      item.dataset.tag = row.tag;
      // Units in the page's language (ซม., ม. on a Thai page), from the page's own translated messages.
      item.textContent = (Object.keys(tags).length > 1 ? row.plot + " · " : "") + row.tag + " · " +
        text.msgCm.replace("{value}", row.girth_cm) + " · " + text.msgM.replace("{value}", row.height_m) +
        (row.photo ? " · 📷" : "");
      var remove = document.createElement("button");
      remove.type = "button"; remove.className = "linklike"; remove.dataset.remove = "";
      remove.textContent = text.msgRemove;
      remove.addEventListener("click", function () {
        if (!editable()) return;
        record.rows.splice(index, 1);
        save().then(render);
      });
      item.appendChild(document.createTextNode(" "));
      item.appendChild(remove);
      list.appendChild(item);
    });
    root.querySelector("[data-count]").textContent = record.rows.length;
    showState();
  }

  function number(value) { return Number(String(value).replace(",", ".")); }

  function editable() {  // a question from the server ("smaller than last time") may be answered by correcting
    if (record.state === "question") { record.state = "draft"; record.confirmed = false; }
    return record.state === "draft";
  }

  function next() {
    if (!editable()) return;
    var plot = field("plot").value;
    var tag = field("tag").value.trim().replace(/\s+/g, " ");
    var girth = number(field("girth").value), height = number(field("height").value);
    if ((tags[plot] || []).indexOf(tag) < 0) { show(text.msgUnknownTag + " " + tag, "error"); field("tag").focus(); return; }
    if (record.rows.some(function (r) { return r.plot === plot && r.tag === tag; })) { show(text.msgTwice, "error"); return; }
    if (!(girth > 0 && girth < 2000 && height > 0 && height < 120)) { show(text.msgFigures, "error"); field("girth").focus(); return; }
    var file = field("photo").files[0];
    (file ? shrink(file) : Promise.resolve(null)).then(function (blob) {
      record.rows.push({ client_uuid: uuid(), plot: plot, tag: tag, girth_cm: girth, height_m: height, photo: blob });
      ["tag", "girth", "height", "photo"].forEach(function (name) { field(name).value = ""; });
      field("tag").focus();
      return save().then(render);
    });
  }



  function send(tokenRefreshed) {
    if (sending || !record || record.state !== "queued" || !navigator.onLine) { if (record) showState(); return; }
    sending = true;
    var sent = record;
    show(text.msgSending, "info");
    var form = new FormData();
    form.append("day", JSON.stringify({
      measured_on: sent.measured_on, confirmed: sent.confirmed,
      rows: sent.rows.map(function (r, i) {
        return { client_uuid: r.client_uuid, plot: r.plot, tag: r.tag, girth_cm: r.girth_cm, height_m: r.height_m, photo: r.photo ? "photo-" + i : null };
      }),
    }));
    sent.rows.forEach(function (r, i) { if (r.photo) form.append("photo-" + i, r.photo, "photo-" + i + ".jpg"); });
    fetch(root.dataset.syncUrl, {
      method: "POST", body: form, credentials: "same-origin",
      headers: { "X-CSRFToken": root.dataset.csrf, "Accept": "application/json" },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) { return { status: response.status, body: body }; });
    }).then(function (reply) {
      sending = false;
      if (reply.status === 200 || reply.status === 201) {
        retry.reset();
        sent.state = "sent";
        return store.set(key, sent).then(function () { if (record === sent) showState(); });
      }
      if (reply.body.code === "csrf" && !tokenRefreshed) {
        return window.gsPhone.refreshToken(root).then(function (ok) { sending = false; if (ok) send(true); else show(reply.body.message, "error"); });
      }
      if (reply.status === 401) { show(reply.body.message || text.msgFailed, "error"); return; }
      if (reply.body.code === "confirm") {  // much smaller than last time: the measurer checks, then confirms
        sent.state = "question";
        return store.set(key, sent).then(function () { if (record === sent) { showState(); show(reply.body.message, "error"); } });
      }
      if (reply.status >= 400 && reply.status < 500) {  // refused, so nothing stored: editable again
        sent.state = "draft";
        sent.confirmed = false;  // a corrected day is checked afresh
        return store.set(key, sent).then(function () { if (record === sent) { showState(); show(reply.body.message || text.msgFailed, "error"); } });
      }
      show(text.msgFailed, "error");
      retry.later();
    }).catch(function () { sending = false; showState(); retry.later(); });
  }

  function queue() {
    if (!editable()) return;
    if (!record.rows.length) { show(text.msgEmpty, "error"); return; }
    record.state = "queued";
    save().then(function () { send(); });
  }

  field("plot").addEventListener("change", fillTags);
  field("measured_on").addEventListener("change", function () {
    if (record.state === "draft") { record.measured_on = field("measured_on").value; save(); }
  });
  field("height").addEventListener("keydown", function (event) { if (event.key === "Enter") { event.preventDefault(); next(); } });
  root.querySelector("[data-next]").addEventListener("click", next);
  root.querySelector("[data-send]").addEventListener("click", queue);
  root.querySelector("[data-confirm]").addEventListener("click", function () {
    record.confirmed = true;
    record.state = "queued";
    save().then(function () { send(); });
  });
  root.querySelector("[data-start-over]").addEventListener("click", function () {
    if (record.state === "sent" || !record.rows.length || window.confirm(text.msgConfirmReset)) {
      record = fresh();
      save().then(render);
    }
  });
  window.addEventListener("online", function () { retry.reset(); send(); });
  window.addEventListener("offline", function () { if (record) showState(); });

  root.hidden = false;
  fillTags();
  store.get(key).then(function (saved) {
    record = saved || fresh();
    render();
    if (!saved) save();
    send();
  });
})();
