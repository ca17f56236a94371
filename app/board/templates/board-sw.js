/* toast-relay board service worker (served from the relay as /board/sw.js): a board
   page opened once over https or localhost comes up again while the relay cannot be
   reached, e.g. after a player reboots during an outage. Only page loads (navigations)
   are answered from the cache, network first; the page's own script keeps the latest
   content in localStorage and shows it, and its polls still fail, so the staleness note
   appears as usual. */
var CACHE = 'toast-board-v1';
self.addEventListener('install', function () { self.skipWaiting(); });
self.addEventListener('activate', function (e) { e.waitUntil(self.clients.claim()); });
self.addEventListener('fetch', function (e) {
  var req = e.request;
  if (req.mode !== 'navigate' || req.method !== 'GET') return;
  e.respondWith(fetch(req).then(function (res) {
    if (res.ok) {
      var copy = res.clone();
      caches.open(CACHE).then(function (c) { return c.put(req.url, copy); });
      return res;
    }
    return caches.match(req.url).then(function (hit) { return hit || res; });
  }, function () {
    return caches.match(req.url).then(function (hit) { return hit || Response.error(); });
  }));
});
