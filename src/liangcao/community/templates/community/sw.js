// Keeps door-run pages usable offline: network first, the last copy from the cache otherwise.
// Confirmations themselves are queued by the page (localStorage), not here.
var CACHE = "liangcao-door-runs-v1";
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });
self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET" || req.url.indexOf("/community/runs/") === -1) { return; }
  event.respondWith(
    fetch(req).then(function (res) {
      var copy = res.clone();
      if (res.ok) { caches.open(CACHE).then(function (c) { c.put(req, copy); }); }
      return res;
    }).catch(function () {
      return caches.match(req).then(function (hit) { return hit || Response.error(); });
    })
  );
});
