/* The pledge: sign with a finger on the screen (Signature Pad), or a photo of the pledge made aloud. */
document.addEventListener("DOMContentLoaded", function () {
  var canvas = document.querySelector("[data-signature-pad]");
  var form = canvas && canvas.closest("form");
  if (!canvas || !window.SignaturePad) return;
  var field = form.querySelector("input[name=signature]");
  function fit() {
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    var data = pad.toData();
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    pad.fromData(data);
  }
  var pad = new window.SignaturePad(canvas, { backgroundColor: "rgb(255,255,255)" });
  window.addEventListener("resize", fit);
  fit();
  form.querySelector("[data-clear-signature]").addEventListener("click", function () { pad.clear(); field.value = ""; });

  function showKind() {
    var kind = form.querySelector("input[name=pledge_kind]:checked").value;
    form.querySelectorAll("[data-pledge]").forEach(function (block) { block.hidden = block.dataset.pledge !== kind; });
    if (kind === "signature") fit();
  }
  form.querySelectorAll("input[name=pledge_kind]").forEach(function (radio) { radio.addEventListener("change", showKind); });
  showKind();
  form.addEventListener("submit", function () { field.value = pad.isEmpty() ? "" : pad.toDataURL("image/png"); });
});
