/* What the offline forms share (inspections, measuring days, boundary walks and drawings): ids and one-time keys made
   on the phone, photos made small on the phone (quicker to send on slow data, lighter to keep offline), a fresh
   token, sending again later. */
(function () {
  "use strict";

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function newKey() {  // 16 random bytes, base64url: the shape of the site's own one-time keys
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function shrink(file, edge, quality) {
    return new Promise(function (resolve) {
      var img = new Image();
      var url = URL.createObjectURL(file);
      img.onload = function () {
        var scale = Math.min(1, edge / Math.max(img.naturalWidth, img.naturalHeight));
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(img.naturalWidth * scale);
        canvas.height = Math.round(img.naturalHeight * scale);
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", quality);
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(file); };
      img.src = url;
    });
  }

  // A fresh form token for a page opened in an earlier session (root: the element with data-token-url, data-csrf).
  function refreshToken(root) {
    return fetch(root.dataset.tokenUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { if (body && body.csrf_token) { root.dataset.csrf = body.csrf_token; return true; } return false; });
  }

  // Sending again after a failure: 15 s, then doubling up to 5 minutes; reset() once it went through.
  function retrier(send) {
    var delay = 15000, timer = null;
    return {
      later: function () { clearTimeout(timer); timer = setTimeout(send, delay); delay = Math.min(delay * 2, 5 * 60 * 1000); },
      reset: function () { delay = 15000; },
    };
  }

  window.gsPhone = { uuid: uuid, newKey: newKey, shrink: shrink, refreshToken: refreshToken, retrier: retrier };
})();
