/* toast-relay board: fit the text to the screen, page when it cannot fit, update in
   place (push from /events, else polling with If-None-Match), keep the last content
   (also in localStorage) when the relay cannot be reached. Never reloads the page. */
(function () {
  'use strict';
  var cfg = JSON.parse(document.getElementById('board-config').textContent);
  var board = document.getElementById('board');
  var frame = document.getElementById('frame');
  var note = document.getElementById('note');
  var label = document.getElementById('page');
  // Item names at 1.5% of the screen height are the smallest a room can read; below
  // that the board pages instead, at a slightly larger size.
  var MIN = 1.5, MAX = 6, PAGED = 1.7;
  var params = new URLSearchParams(location.search);
  var key = params.get('key');
  var contentUrl = location.pathname + (location.search ? location.search + '&' : '?') +
    'part=content';
  var eventsUrl = '../events/' + location.pathname.split('/').pop() +
    (key ? '?key=' + encodeURIComponent(key) : '');
  var storeKey = 'toast-relay:' + location.pathname + location.search;
  var etag = cfg.etag, scale = 0, lean = 0, starts = [], pages = 1, page = 0, pageTimer = 0, openKey = '';
  var timer = 0, fails = 0, inFlight = false, again = false, lastContact = Date.now();
  var notSmaller = false, lastLength = board.innerHTML.length, eventFails = 0, opened = false, ticks = 0, fmt = null;
  var stats = { updates: 0, lastApplyMs: 0, pages: 1, scale: 0, columns: 0, lean: 0, fails: 0 };
  window.__board = stats;

  function content() { return document.getElementById('content'); }
  function num(el, name) { return el ? +el.getAttribute(name) || 0 : 0; }

  // --- available=now: which menus are open in the restaurant's own time zone ------
  function localNow(tz) {
    try {
      if (!fmt) {
        fmt = new Intl.DateTimeFormat('en-US', { timeZone: tz || 'UTC', weekday: 'short',
          hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23' });
      }
      var parts = fmt.formatToParts(new Date()), o = {};
      for (var i = 0; i < parts.length; i++) o[parts[i].type] = parts[i].value;
      var day = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(o.weekday);
      return [day, (+o.hour % 24) * 3600 + (+o.minute) * 60 + (+o.second)];
    } catch (e) { return null; }
  }
  function covers(ws, day, sec) { // the rule of app/menu/availability.py windows_cover
    var yesterday = (day + 6) % 7;
    for (var i = 0; i < ws.length; i++) {
      var d = ws[i][0], s = ws[i][1], e = ws[i][2];
      if (s < e) { if (d === day && s <= sec && sec < e) return true; }
      else if ((d === day && sec >= s) || (d === yesterday && sec < e)) return true;
    }
    return false;
  }
  function daypart() { // true when the set of shown menus changed
    var c = content();
    if (!c || !c.hasAttribute('data-windows')) return false;
    var ws = JSON.parse(c.getAttribute('data-windows'));
    var now = localNow(c.getAttribute('data-tz'));
    if (!now) return false;
    var open = [], any = false;
    for (var i = 0; i < ws.length; i++) {
      open[i] = ws[i] === null || covers(ws[i], now[0], now[1]);
      any = any || open[i];
    }
    var k = any ? open.join() : 'all'; // nothing open: show everything, never a blank board
    if (k === openKey) return false;
    openKey = k;
    var secs = c.querySelectorAll('section[data-menu]');
    for (var j = 0; j < secs.length; j++) {
      secs[j].hidden = any && !open[+secs[j].getAttribute('data-menu')];
    }
    return true;
  }

  // --- fitting ---------------------------------------------------------------------
  function columnsFor(n) {
    if (cfg.columns) return cfg.columns;
    if (innerWidth >= innerHeight) return n <= 8 ? 1 : n <= 20 ? 2 : n <= 45 ? 3 : n <= 70 ? 4 : 5;
    return n <= 14 ? 1 : 2; // a portrait column is narrow: names would break mid-word
  }
  function fitsAt(c, s) {
    c.style.fontSize = s + 'vh';
    return board.scrollWidth <= board.clientWidth + 1 && board.scrollHeight <= board.clientHeight + 1;
  }
  function search(c) { // the largest scale that fits at the current detail level; 0: none
    // Content that did not shrink cannot grow bigger: one layout for the usual re-price.
    if (scale && fitsAt(c, scale) && (scale >= MAX || notSmaller ||
        !fitsAt(c, Math.min(MAX, scale * 1.04)))) {
      return scale;
    }
    if (!fitsAt(c, MIN)) return 0;
    if (fitsAt(c, MAX)) return MAX;
    var lo = MIN, hi = MAX;
    for (var i = 0; i < 7; i++) {
      var mid = (lo + hi) / 2;
      if (fitsAt(c, mid)) lo = mid; else hi = mid;
    }
    return lo;
  }
  function setLean(c, l) { // 1: without descriptions, 2: also without calories and tags
    c.classList.toggle('lean1', l === 1);
    c.classList.toggle('lean2', l === 2);
  }
  function fit() {
    var c = content();
    if (!c) return;
    var n = c.querySelectorAll('section:not([hidden]) .item').length;
    c.style.columnCount = stats.columns = columnsFor(n);
    c.style.transform = '';
    var s = 0, l = lean;
    if (l > 0) { // room again for the details left out before?
      setLean(c, l - 1);
      if (fitsAt(c, MIN)) l = 0;
      scale = 0;
    }
    for (; l <= 2; l++) {
      setLean(c, l);
      s = search(c);
      if (s) break;
      scale = 0;
    }
    if (s) {
      lean = l;
      c.style.fontSize = s + 'vh';
      pages = 1;
    } else { // page with every detail rather than squeeze below a readable size
      lean = 0;
      setLean(c, 0);
      s = PAGED;
      c.style.fontSize = s + 'vh';
      columnStarts(c);
      pages = Math.max(1, Math.ceil(starts.length / stats.columns));
    }
    scale = stats.scale = s;
    stats.pages = pages;
    stats.lean = lean;
    if (page >= pages) page = 0;
    showPage();
  }
  function columnStarts(c) { // x of each column, measured: summing widths drifts
    var els = c.querySelectorAll('section:not([hidden]) > h2, section:not([hidden]) .item');
    var left = board.getBoundingClientRect().left, last = -1e9;
    starts = [];
    for (var i = 0; i < els.length; i++) {
      var x = els[i].getBoundingClientRect().left - left;
      if (x > last + 2) { starts.push(x); last = x; }
    }
  }
  function showPage() {
    var c = content();
    if (!c) return;
    var x = page && pages > 1 ? starts[page * stats.columns] || 0 : 0;
    c.style.transform = x ? 'translateX(' + (-x) + 'px)' : '';
    label.textContent = pages > 1 ? (page + 1) + ' / ' + pages : '';
    if (pages > 1 && !pageTimer) {
      pageTimer = setInterval(function () { page = (page + 1) % pages; showPage(); },
        cfg.pageSeconds * 1000);
    } else if (pages <= 1 && pageTimer) {
      clearInterval(pageTimer);
      pageTimer = 0;
    }
  }
  function images() {
    if (!cfg.images) return;
    var h = innerHeight * (window.devicePixelRatio || 1);
    var size = h <= 800 ? 's' : h <= 1500 ? 'm' : 'l';
    var imgs = board.querySelectorAll('img[data-src]');
    for (var i = 0; i < imgs.length; i++) {
      var img = imgs[i];
      img.onerror = function () { this.remove(); }; // a missing image never breaks the board
      img.src = img.getAttribute('data-src') + '&size=' + size +
        (key ? '&key=' + encodeURIComponent(key) : '');
      img.removeAttribute('data-src');
    }
  }

  // --- updates ---------------------------------------------------------------------
  function apply(html, tag) {
    var t0 = performance.now();
    notSmaller = html.length >= lastLength;
    lastLength = html.length;
    board.innerHTML = html;
    openKey = '';
    daypart();
    fit();
    images();
    notSmaller = false;
    etag = tag;
    stats.updates++;
    stats.lastApplyMs = performance.now() - t0;
  }
  function save(html) {
    try {
      localStorage.setItem(storeKey, JSON.stringify({ etag: etag, version: num(content(), 'data-version'), html: html }));
    } catch (e) { /* full or disabled: the screen still shows the content */ }
  }
  function restore() { // a player that rebooted offline may show an older cached page
    try {
      var s = JSON.parse(localStorage.getItem(storeKey) || 'null');
      if (s && s.version > num(content(), 'data-version')) { apply(s.html, s.etag); return true; }
    } catch (e) { /* nothing kept */ }
    return false;
  }
  function clock(ms) {
    try {
      return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit',
        timeZone: content().getAttribute('data-tz') || undefined });
    } catch (e) { return new Date(ms).toLocaleTimeString(); }
  }
  function staleNote() {
    var c = content(), now = Date.now(), limit = Math.max(20000, cfg.refresh * 3000);
    var fetched = num(c, 'data-fetched');
    var away = now - lastContact > limit;
    var old = c && c.getAttribute('data-stale') === 'true' && now - fetched > limit;
    note.hidden = !(away || old);
    if (!note.hidden) note.textContent = 'Menu as of ' + clock(fetched || lastContact);
  }
  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(check, ms);
  }
  function check() {
    if (inFlight) { again = true; return; }
    inFlight = true;
    var ctl = window.AbortController ? new AbortController() : null;
    var guard = setTimeout(function () { if (ctl) ctl.abort(); }, 20000);
    fetch(contentUrl, { headers: { 'If-None-Match': etag }, cache: 'no-store',
      credentials: 'same-origin', signal: ctl ? ctl.signal : undefined })
      .then(function (r) {
        if (r.status === 304) return null;
        if (!r.ok) throw new Error('HTTP ' + r.status);
        var tag = r.headers.get('ETag') || '';
        return r.text().then(function (t) { apply(t, tag); save(t); });
      })
      .then(function () { fails = stats.fails = 0; lastContact = Date.now(); },
        function () { stats.fails = ++fails; })
      .then(function () {
        clearTimeout(guard);
        inFlight = false;
        staleNote();
        if (again) { again = false; schedule(0); return; }
        var base = cfg.refresh * 1000;
        var wait = fails ? Math.min(base * Math.pow(2, fails), Math.min(300000, Math.max(60000, base * 4))) : base;
        schedule(wait * (0.9 + Math.random() * 0.2));
      });
  }
  function listen() { // push channel; polling stays on as the fallback
    if (!window.EventSource || !cfg.events) return;
    var es = new EventSource(eventsUrl);
    es.addEventListener('update', function () { check(); });
    es.onopen = function () {
      eventFails = 0;
      if (opened) check(); // back after a break: catch up at once
      opened = true;
    };
    es.onerror = function () {
      if (es.readyState !== 2) return; // the browser reconnects by itself
      es.onerror = es.onopen = null;
      es.close();
      eventFails++;
      setTimeout(listen, Math.min(600000, 15000 * Math.pow(2, eventFails)));
    };
  }
  function tick() { // every 15 s: dayparts, staleness note, burn-in drift
    ticks++;
    if (daypart()) fit();
    staleNote();
    if (cfg.drift && ticks % 16 === 0) {
      var dx = (Math.random() * 0.8 - 0.4).toFixed(2), dy = (Math.random() * 0.8 - 0.4).toFixed(2);
      frame.style.transform = 'translate(' + dx + 'vmin,' + dy + 'vmin)';
    }
  }

  var resizing = 0;
  addEventListener('resize', function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () { scale = 0; fit(); }, 150);
  });
  addEventListener('online', function () { check(); });
  // Hooks for tests, benchmarks and custom scripts (documented in the README).
  stats.apply = apply;
  stats.show = function (p) { page = p % pages; showPage(); };
  stats.covers = covers;
  stats.check = check;
  if (!restore()) save(board.innerHTML);
  daypart();
  fit();
  images();
  if (cfg.readyForCache) {
    document.title = JSON.stringify({ ready_for_cache: true, valid_for: cfg.readyForCache });
  }
  schedule(cfg.refresh * 1000);
  setInterval(tick, 15000);
  listen();
})();
