// Keeps door-run pages usable offline: network first, the last copy from the cache otherwise.
// The confirmation page a household's QR code opens is one page for every order (it reads the
// order and code from its address), kept under its bare path from install on, so a QR code of
// an order never seen online still opens offline. Confirmations themselves are queued by the
// pages (localStorage), not here.
var CACHE = "liangcao-door-runs-v1";
var CONFIRM = "{% url 'community-run-confirm' %}";
function keep(key, res) {
  if (res.ok && !res.redirected) {
    var copy = res.clone();
    return caches.open(CACHE).then(function (c) { return c.put(key, copy); });
  }
  return Promise.resolve();
}
self.addEventListener("install", function (event) {
  self.skipWaiting();
  event.waitUntil(
    fetch(CONFIRM, {credentials: "same-origin"}).then(function (res) { return keep(CONFIRM, res); })
      .catch(function () {})
  );
});
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });
self.addEventListener("fetch", function (event) {
  var req = event.request;
  var path = new URL(req.url).pathname;
  if (req.method !== "GET" || path.indexOf("/community/runs/") !== 0) { return; }
  var key = path === CONFIRM ? CONFIRM : req;
  event.respondWith(
    fetch(req).then(function (res) {
      keep(key, res);
      return res;
    }).catch(function () {
      return caches.match(key).then(function (hit) { return hit || Response.error(); });
    })
  );
});
