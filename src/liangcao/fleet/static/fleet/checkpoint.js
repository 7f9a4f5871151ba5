/* The checkpoint page: read a vehicle pass (camera, photo or typed code), verify it offline
   with the cached trust list (Ed25519 in WebCrypto), log the scan, queue it while offline.
   The rules mirror liangcao/fleet/passes.py; docs/passes.md describes the format. */
(function () {
  "use strict";

  var VERSION = 1, SIG = 64, HEAD = 17;

  function b64urlDecode(text) {
    var s = String(text).replace(/\s+/g, "").replace(/-/g, "+").replace(/_/g, "/");
    if (!/^[A-Za-z0-9+/]*$/.test(s)) return null;
    while (s.length % 4) s += "=";
    var bin;
    try { bin = atob(s); } catch (e) { return null; }
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function decode(text) {
    var raw = b64urlDecode(text);
    if (!raw || raw.length < HEAD + 3 + SIG) return null;
    var body = raw.subarray(0, raw.length - SIG), sig = raw.subarray(raw.length - SIG);
    var v = new DataView(body.buffer, body.byteOffset, body.byteLength);
    if (v.getUint8(0) !== VERSION) return null;
    var p = { serial: v.getUint32(1), issuer: v.getUint32(5), validFrom: v.getUint32(9),
              validUntil: v.getUint32(13) };
    var at = HEAD;
    try {
      var n = body[at]; p.keyId = new TextDecoder("ascii", { fatal: true }).decode(body.subarray(at + 1, at + 1 + n)); at += 1 + n;
      n = body[at]; p.plate = new TextDecoder("utf-8", { fatal: true }).decode(body.subarray(at + 1, at + 1 + n)); at += 1 + n;
      var count = body[at]; p.zones = [];
      for (var i = 0; i < count; i++) p.zones.push(v.getUint32(at + 1 + 4 * i));
      at += 1 + 4 * count;
    } catch (e) { return null; }
    if (at !== body.length || !p.keyId || !p.plate || !p.zones.length) return null;
    return { payload: p, body: body, signature: sig };
  }

  var keyCache = {};
  function importKey(keyId, publicKey) {
    var id = keyId + ":" + publicKey;
    if (!keyCache[id]) {
      keyCache[id] = crypto.subtle.importKey("raw", b64urlDecode(publicKey), { name: "Ed25519" }, false, ["verify"]);
    }
    return keyCache[id];
  }

  /* Same order as passes.verify: forged → revoked → expired → wrong_zone → valid. */
  async function verify(text, trust, nowSeconds, ancestors) {
    var d = decode(text);
    if (!d) return { result: "forged" };
    var key = trust.keys[d.payload.keyId];
    if (!key) return { result: "forged", payload: d.payload };
    var ok = false;
    try {
      ok = await crypto.subtle.verify({ name: "Ed25519" }, await importKey(d.payload.keyId, key.public_key), d.signature, d.body);
    } catch (e) { ok = false; }
    if (!ok) return { result: "forged", payload: d.payload };
    if (key.state !== "active" || trust.revoked_passes.indexOf(d.payload.serial) >= 0) return { result: "revoked", payload: d.payload };
    if (!(d.payload.validFrom <= nowSeconds && nowSeconds < d.payload.validUntil)) return { result: "expired", payload: d.payload };
    var inZone = d.payload.zones.some(function (z) { return ancestors.indexOf(z) >= 0; });
    return { result: inZone ? "valid" : "wrong_zone", payload: d.payload };
  }

  window.LiangcaoPass = { decode: decode, verify: verify };

  var root = document.getElementById("checkpoint");
  if (!root) return;
  var ctx = JSON.parse(document.getElementById("checkpoint-context").textContent);
  var TRUST = "lc-trust", QUEUE = "lc-scan-queue-" + ctx.site_id;
  var $ = function (sel) { return root.querySelector(sel); };

  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : ctx.csrf;
  }
  function loadTrust() { try { return JSON.parse(localStorage.getItem(TRUST)); } catch (e) { return null; } }
  function queue() { try { return JSON.parse(localStorage.getItem(QUEUE)) || []; } catch (e) { return []; } }
  function saveQueue(q) { localStorage.setItem(QUEUE, JSON.stringify(q)); showQueue(); }
  function showQueue() {
    var n = queue().length;
    $("[data-testid=queue]").textContent = n ? ctx.text.queued.replace("%s", n) : ctx.text.synced;
    $("[data-testid=queue]").dataset.count = n;
  }
  function showAge() {
    var t = loadTrust(), el = $("[data-testid=list-age]");
    if (!t) { el.textContent = ctx.text.nolist; el.dataset.minutes = ""; return; }
    /* the list's age is from when the server made it, not when this phone last fetched it
       (offline, the service worker answers with the cached copy) */
    var minutes = Math.max(0, Math.round((Date.now() - Date.parse(t.generated_at)) / 60000));
    el.textContent = ctx.text.age.replace("%s", minutes);
    el.dataset.minutes = minutes;
    el.classList.toggle("stale", minutes > 60);
  }

  async function refreshTrust() {
    try {
      var r = await fetch(ctx.trust_url, { credentials: "same-origin", cache: "no-store" });
      if (!r.ok) throw new Error(r.status);
      localStorage.setItem(TRUST, JSON.stringify(await r.json()));
    } catch (e) { /* offline: keep the cached list */ }
    showAge();
  }

  var syncing = false;
  async function sync() {
    if (syncing) return;
    syncing = true;
    try {
      var q = queue();
      for (var i = 0; i < q.length; i++) {
        var scan = q[i], r;
        try {
          r = await fetch(ctx.scan_url, {
            method: "POST", credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), "Idempotency-Key": scan.client_id },
            body: JSON.stringify(scan)
          });
        } catch (e) { break; } /* offline: try later */
        if (r.ok || (r.status >= 400 && r.status < 500 && r.status !== 401 && r.status !== 403 && r.status !== 409)) {
          saveQueue(queue().filter(function (s) { return s.client_id !== scan.client_id; }));
        } else { break; }
      }
    } finally { syncing = false; showQueue(); }
  }

  async function check(code) {
    var started = performance.now();
    var trust = loadTrust();
    var out = $("[data-testid=result]");
    if (!trust) { out.textContent = ctx.text.nolist; out.dataset.result = ""; return; }
    var v = await verify(code, trust, Math.floor(Date.now() / 1000), ctx.ancestors);
    out.dataset.result = v.result;
    out.className = "scan-result " + v.result;
    out.textContent = ctx.text[v.result] + (v.payload ? " · " + v.payload.plate + " · #" + v.payload.serial : "");
    out.dataset.ms = Math.round(performance.now() - started);
    var q = queue();
    q.push({ client_id: crypto.randomUUID(), code: code.replace(/\s+/g, ""), result: v.result, scanned_at: new Date().toISOString() });
    saveQueue(q);
    sync();
  }

  async function decodeImage(source) {
    if ("BarcodeDetector" in window) {
      try {
        var found = await new BarcodeDetector({ formats: ["qr_code"] }).detect(source);
        if (found.length) return found[0].rawValue;
      } catch (e) { /* fall back to jsQR */ }
    }
    var c = document.createElement("canvas");
    c.width = source.videoWidth || source.naturalWidth || source.width;
    c.height = source.videoHeight || source.naturalHeight || source.height;
    if (!c.width || !c.height) return null;
    var g = c.getContext("2d");
    g.drawImage(source, 0, 0, c.width, c.height);
    var img = g.getImageData(0, 0, c.width, c.height);
    var qr = window.jsQR && window.jsQR(img.data, img.width, img.height);
    return qr ? qr.data : null;
  }

  var stream = null;
  async function camera() {
    var video = $("video");
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; video.hidden = true; return; }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (e) { $("[data-testid=result]").textContent = ctx.text.nocamera; return; }
    video.srcObject = stream; video.hidden = false; await video.play();
    (async function loop() {
      if (!stream) return;
      var code = video.readyState >= 2 ? await decodeImage(video) : null;
      if (code) { camera(); $("[name=code]").value = code; check(code); return; }
      setTimeout(loop, 200);
    })();
  }

  $("form").addEventListener("submit", function (e) { e.preventDefault(); check($("[name=code]").value); });
  $("[data-testid=camera]").addEventListener("click", camera);
  $("[data-testid=photo]").addEventListener("change", function (e) {
    var file = e.target.files[0];
    if (!file) return;
    var img = new Image();
    img.onload = async function () {
      var code = await decodeImage(img);
      URL.revokeObjectURL(img.src);
      if (code) { $("[name=code]").value = code; check(code); }
      else { $("[data-testid=result]").textContent = ctx.text.noqr; $("[data-testid=result]").dataset.result = "noqr"; }
    };
    img.src = URL.createObjectURL(file);
  });
  $("[data-testid=sync]").addEventListener("click", function () { refreshTrust(); sync(); });
  window.addEventListener("online", function () { refreshTrust(); sync(); });
  setInterval(showAge, 30000);
  setInterval(sync, 20000);

  async function offlineReady() {
    if ("serviceWorker" in navigator) {
      try {
        await navigator.serviceWorker.register(ctx.sw_url, { scope: ctx.sw_scope });
        var cache = await caches.open("lc-checkpoint-v1");
        await cache.addAll([location.pathname, ctx.trust_url].concat(ctx.assets));
      } catch (e) { /* the page still works online */ }
    }
  }

  showQueue();
  showAge();
  Promise.all([refreshTrust(), offlineReady()]).then(function () {
    root.dataset.ready = "1";
    sync();
  });
})();
