/* toast-relay board: show the menus open now, place headings and items in balanced
   columns at the largest readable size, page when they cannot fit, update in place
   (push from /events, else polling with If-None-Match), keep the last content (in
   localStorage, and the page in a service worker over https or localhost) when the
   relay cannot be reached. Never reloads the page. Rules: docs/board-layout.md. */
(function () {
  'use strict';
  var cfg = JSON.parse(document.getElementById('board-config').textContent);
  var $ = function (id) { return document.getElementById(id); };
  var board = $('board'), frame = $('frame'), note = $('note'), label = $('page');
  var when = $('when'), featured = $('featured'), foot = $('foot'), legendEl = $('legend');
  // app/board/layout.py: names at 2.2 % of the short side up to 40 items (never under
  // 1.5 % of the height), else 1.5 %; when nothing fits at the floor the board pages (at
  // a slightly larger size if long).
  var FEW = 40, FLOOR_FEW = 2.2, FLOOR = 1.5, PAGED = 1.7, MAX = 6, SLACK = 0.5;
  var params = new URLSearchParams(location.search);
  var key = params.get('key');
  var keyParam = key ? '&key=' + encodeURIComponent(key) : '';
  var contentUrl = location.pathname + (location.search ? location.search + '&' : '?') +
    'part=content';
  var eventsUrl = (cfg.eventsUrl || '../events/' + location.pathname.split('/').pop()) +
    (key ? '?key=' + encodeURIComponent(key) : '');
  var storeKey = 'toast-relay:' + location.pathname + location.search;
  var etag = cfg.etag, fit0 = null, pages = 1, page = 0, pageTimer = 0, openKey = '';
  var timer = 0, fails = 0, inFlight = false, again = false, lastContact = Date.now();
  var eventFails = 0, ticks = 0, drifts = 0, fmt = null;
  var seen = ''; // the last /events id: the version announced (polling catches up too)
  var groups = [], items = [], sent = null, last = null, featSize = 0, tails = [];
  var guids = '', restaurant = ''; // data-guids decoded: 16 bytes per item, in order
  var heights = window.WeakMap ? new WeakMap() : null; // item -> its height as laid out
  var stats = { updates: 0, lastApplyMs: 0, lastFitMs: 0, pages: 1, scale: 0, columns: 0, lean: 0, fails: 0 };
  window.__board = stats;

  function content() { return $('content'); }
  // data-* attributes by their dataset names (data-sold-out: soldOut)
  function num(el, name) { return el ? +el.dataset[name] || 0 : 0; }
  function json(el, name) {
    try { return JSON.parse(el.dataset[name] || 'null'); } catch (e) { return null; }
  }
  function el(tag, cls) { var e = document.createElement(tag); if (cls) e.className = cls; return e; }
  function shell(from) { // a section for items moved out of `from` (same group and menu)
    var sec = el('section');
    sec.dataset.group = from.dataset.group;
    sec.dataset.menu = from.dataset.menu;
    return sec;
  }
  function continued(g) { // the group's heading again, marked as a continuation
    var h = g.h2.cloneNode(true);
    h.dataset.continued = 'true';
    return h;
  }

  // --- pure rules, line for line as app/board/layout.py ------------------------------
  function pack(gs, height) {
    var cols = [], col = [], used = 0, limit = height + SLACK;
    for (var g = 0; g < gs.length; g++) {
      var hs = gs[g][2], i = 0, cont = false;
      while (i < hs.length) {
        var top = cont ? gs[g][1] : gs[g][0];
        if (col.length && used + top + hs[i] > limit) { cols.push(col); col = []; used = 0; }
        var first = i;
        used += top + hs[i++];
        while (i < hs.length && used + hs[i] <= limit) used += hs[i++];
        col.push([g, first, i, cont]);
        if (i < hs.length) { cols.push(col); col = []; used = 0; cont = true; }
      }
    }
    if (col.length) cols.push(col);
    return cols;
  }
  function balance(gs, height, n) {
    if (pack(gs, height).length > n) return height;
    var lo = 0, hi = height;
    while (hi - lo > SLACK) {
      var mid = (lo + hi) / 2;
      if (pack(gs, mid).length <= n) hi = mid; else lo = mid;
    }
    return hi;
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
  function nextOpen(ws, day, sec) { // [menu, seconds from today's midnight] or null
    var best = null;
    for (var m = 0; m < ws.length; m++) {
      var w = ws[m] || [];
      for (var i = 0; i < w.length; i++) {
        var off = (w[i][0] - day + 7) % 7;
        for (var k = 0; k < 2; k++) {
          var at = (off + 7 * k) * 86400 + w[i][1], t = at - 1;
          if (at <= sec || covers(w, (day + Math.floor(t / 86400)) % 7, t % 86400)) continue;
          if (!best || at < best[1]) best = [m, at];
          break;
        }
      }
    }
    return best;
  }

  // --- dayparts: the menus open now in the restaurant's time zone, else the next -----
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
  function startsAt(at) {
    var days = Math.floor(at / 86400), s = at % 86400, t = '';
    try {
      t = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' })
        .format(new Date(Date.UTC(2000, 0, 1, Math.floor(s / 3600), Math.floor(s / 60) % 60)));
    } catch (e) { t = Math.floor(s / 3600) + ':' + ('0' + Math.floor(s / 60) % 60).slice(-2); }
    if (days === 1) return 'tomorrow ' + t;
    if (days > 1) {
      var wd = new Date(Date.now() + days * 864e5).toLocaleDateString(undefined, { weekday: 'long' });
      return wd + ' ' + t;
    }
    return t;
  }
  function daypart() { // true when the set of shown menus changed
    var c = content();
    if (!c || !c.dataset.windows) { when.hidden = true; return false; }
    var ws = json(c, 'windows') || [], names = json(c, 'names') || [];
    var now = localNow(c.dataset.tz);
    if (!now) return false;
    var present = {}, open = [], any = false, next = null;
    groups.forEach(function (g) { present[g.menu] = true; });
    for (var i = 0; i < ws.length; i++) {
      open[i] = !!present[i] && (ws[i] === null || covers(ws[i], now[0], now[1]));
      any = any || open[i];
    }
    if (!any) { // nothing open: the next menu with its start time, never an empty board
      next = nextOpen(ws.map(function (w, m) { return present[m] ? w : null; }), now[0], now[1]);
      for (var m = 0; m < ws.length; m++) open[m] = next ? next[0] === m : !!present[m];
    }
    var k = open.join() + (next ? ':' + next[1] : '');
    if (k === openKey) return false;
    openKey = k;
    groups.forEach(function (g) { g.sec.hidden = !open[g.menu]; });
    when.hidden = !next;
    when.textContent = next ? (names[next[0]] || '') + ' from ' + startsAt(next[1]) : '';
    return true;
  }

  // --- the relay's compact item markup, grown into the DOM contract (docs/board.md) ---
  // <div><b>name</b>price<small>sizes</small><p>description</p>
  // <u>calories<span class=…>badge</span></u><em>flag</em></div>; <i data-t=n> instead of
  // <p>: the description ends with the closing sentence n (none: 0) of the content's
  // data-tails. The GUID is the k-th of data-guids (else the item's own data-guid), the
  // picture's data-img its version.
  var ROLES = { B: 'name', SMALL: 'sizes', P: 'desc', I: 'desc', U: 'meta', EM: 'flag' };
  function guidAt(k) {
    var h = '';
    for (var i = 16 * k; i < 16 * k + 16; i++) h += (256 + guids.charCodeAt(i)).toString(16).slice(1);
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join('-');
  }
  function grow(it, at) {
    if (it.className) return it;
    var d = it.dataset;
    if (guids) d.guid = guidAt(at);
    if (d.img) d.img = '../image/' + restaurant + '/' + d.guid + '?v=' + d.img;
    var line = el('div', 'line'), name = el('span', 'name'), price = el('span', 'price');
    var parts = [line], flag = null;
    line.appendChild(name);
    line.appendChild(el('i', 'lead'));
    line.appendChild(price);
    while (it.firstChild) {
      var k = it.firstChild, role = ROLES[k.nodeName];
      if (!role) { price.appendChild(k); continue; }
      var to = role === 'name' ? name : el('div', role);
      while (k.firstChild) {
        var x = k.firstChild;
        if (role === 'meta' && x.nodeType === 3) { // calories: the number, then the unit
          var cal = el('span', 'cal');
          cal.textContent = x.nodeValue + (cfg.kcal ? ' kcal' : ' cal');
          k.removeChild(x);
          x = cal;
        }
        to.appendChild(x);
      }
      if (k.nodeName === 'I') {
        to.appendChild(document.createTextNode((to.firstChild ? ' ' : '') +
          (tails[k.dataset.t || 0] || '')));
      }
      it.removeChild(k);
      if (role === 'flag') flag = to;
      if (to !== name) parts.push(to);
    }
    for (var i = 0; i < parts.length; i++) it.appendChild(parts[i]);
    it.className = d.soldOut ? 'item sold' : flag ? 'item low' : 'item';
    return it;
  }

  // --- layout ----------------------------------------------------------------------
  function model(c) { // the sections and items as sent, in order (the layout moves them)
    groups = [];
    items = [];
    tails = json(c, 'tails') || [];
    guids = c.dataset.guids ? atob(c.dataset.guids) : '';
    restaurant = c.dataset.restaurant;
    var secs = c.children;
    for (var i = 0; i < secs.length; i++) {
      var sec = secs[i];
      if (sec.tagName !== 'SECTION') continue;
      var its = [];
      for (var j = 1; j < sec.children.length; j++) its.push(grow(sec.children[j], items.length + its.length));
      groups.push({ sec: sec, h2: sec.firstElementChild, items: its, menu: +sec.dataset.menu });
      items.push.apply(items, its);
    }
  }
  function reset(c) { // every item back in its own section, every section back in #content
    var extra = c.querySelectorAll('.pg, .measure');
    groups.forEach(function (g) {
      for (var i = 0; i < g.items.length; i++) g.sec.appendChild(g.items[i]);
      c.appendChild(g.sec);
    });
    for (var j = 0; j < extra.length; j++) extra[j].remove();
    if (featured) featured.textContent = '';
  }
  function landscape() { return innerWidth >= innerHeight; }
  function choices(n) {
    if (cfg.columns) return [cfg.columns];
    var land = landscape(), t = cfg.template;
    var most = t === 'list' ? (land ? 3 : 1) : t === 'feature' ? 2 : (land ? 5 : 2);
    most = Math.max(1, Math.min(most, Math.ceil(n / 4)));
    var out = [];
    for (var i = 1; i <= most; i++) out.push(i);
    return out;
  }
  function setLean(c, l) { // 1: without descriptions, 2: also without calories and tags
    c.classList.toggle('lean1', l === 1);
    c.classList.toggle('lean2', l === 2);
  }
  function gapPx(c) {
    var probe = el('div');
    probe.style.width = 'var(--gap)';
    c.appendChild(probe);
    var w = probe.getBoundingClientRect().width;
    probe.remove();
    return w;
  }
  function height(el) { return el.getBoundingClientRect().height; }
  // Heights of every heading, continued heading and item at size s in n columns.
  function measure(c, vis, s, n, l, gap) {
    setLean(c, l);
    c.style.fontSize = s + 'vh';
    var width = (c.clientWidth - (n - 1) * gap) / n;
    var box = el('div', 'measure'), probes = [], old = c.querySelectorAll('.measure');
    box.style.width = width + 'px';
    vis.forEach(function (v) {
      box.appendChild(v.g.sec);
      var sec = el('section');
      sec.appendChild(continued(v.g));
      box.appendChild(sec);
      probes.push(sec);
    });
    c.appendChild(box);
    for (var o = 0; o < old.length; o++) old[o].remove();
    var gs = vis.map(function (v, i) {
      return [height(v.g.h2), height(probes[i]), v.items.map(function (it) {
        var h = height(it);
        if (heights) heights.set(it, h);
        return h;
      })];
    });
    probes.forEach(function (p) { p.remove(); });
    var tallest = 0;
    gs.forEach(function (g) { tallest = Math.max(tallest, g[0] + (g[2][0] || 0), Math.max.apply(null, g[2])); });
    last = { gs: gs, width: width, s: s, n: n, l: l, tallest: tallest };
    return last;
  }
  function fits(m, h) { return m.tallest <= h + SLACK && pack(m.gs, h).length <= m.n; }
  function place(c, vis, m, h) { // build pages of m.n columns from pack(m.gs, h)
    var cols = pack(m.gs, h), box = c.querySelector('.measure'), pg = null;
    for (var i = 0; i < cols.length; i++) {
      if (i % m.n === 0) c.appendChild(pg = el('div', 'pg'));
      var col = el('div', 'col');
      col.style.width = m.width + 'px';
      pg.appendChild(col);
      cols[i].forEach(function (seg) {
        var v = vis[seg[0]], sec = v.g.sec;
        if (seg[3]) {
          sec = shell(v.g.sec);
          sec.appendChild(continued(v.g));
        }
        for (var k = seg[1]; k < seg[2]; k++) sec.appendChild(v.items[k]);
        col.appendChild(sec);
      });
    }
    if (box) box.remove();
    return Math.max(1, Math.ceil(cols.length / m.n));
  }
  function feature(vis, n, quick) { // template=feature: a few items large, out of the columns
    if (!featured) return vis;
    var k = Math.min(3, Math.floor(n / 5)), picks = [], all = [];
    vis.forEach(function (v) { all.push.apply(all, v.items); });
    all.forEach(function (it) { if (picks.length < k && it.dataset.pick === 'true') picks.push(it); });
    vis.forEach(function (v) { if (picks.length < k && picks.indexOf(v.items[0]) < 0) picks.push(v.items[0]); });
    picks.forEach(function (it) {
      var sec = shell(it.parentNode);
      sec.className = 'card';
      sec.appendChild(it);
      featured.appendChild(sec);
    });
    images();
    function whole(size) {
      featured.style.fontSize = size + 'vh';
      return cardsFit();
    }
    if (!(quick && featSize && whole(featSize))) { // a re-price keeps the size that fits
      while (picks.length && !whole(FLOOR)) { // fewer cards rather than cut ones
        picks.pop();
        featured.lastChild.remove();
      }
      var lo = FLOOR, hi = MAX;
      for (var i = 0; i < 7; i++) {
        var mid = (lo + hi) / 2;
        if (whole(mid)) lo = mid; else hi = mid;
      }
      featSize = lo;
    }
    featured.style.fontSize = featSize + 'vh';
    return vis.map(function (v) {
      return { g: v.g, items: v.items.filter(function (it) { return picks.indexOf(it) < 0; }) };
    }).filter(function (v) { return v.items.length; });
  }
  function cardsFit() { // the featured cards are whole, nothing cut
    return featured.scrollHeight <= featured.clientHeight + 1 &&
      featured.scrollWidth <= featured.clientWidth + 1;
  }
  function fit(quick) {
    var c = content();
    if (!c) return;
    var t0 = performance.now(), land = landscape();
    var body = document.body.classList;
    body.toggle('land', land);
    body.toggle('port', !land);
    reset(c);
    var vis = [], n = 0;
    groups.forEach(function (g) {
      if (!g.sec.hidden && g.items.length) { vis.push({ g: g, items: g.items.slice() }); n += g.items.length; }
    });
    legend(vis); // before measuring: the footer's height is the board's loss
    if (cfg.template === 'feature') vis = feature(vis, n, quick);
    var floor = n > FEW ? FLOOR : Math.max(FLOOR_FEW * Math.min(innerWidth, innerHeight) / innerHeight, FLOOR);
    var H = c.clientHeight, gap = gapPx(c);
    var best = null, opts = choices(n);
    if (quick && fit0 && opts.indexOf(fit0.n) >= 0) { // a re-price: keep the size if it still fits
      var m0 = measure(c, vis, fit0.s, fit0.n, fit0.l, gap);
      if (fit0.paged || fits(m0, H)) { best = m0; best.paged = fit0.paged; }
    }
    for (var l = 0; !best && l <= 2 && n <= 400; l++) {
      for (var i = 0; i < opts.length; i++) {
        var m = measure(c, vis, floor, opts[i], l, gap);
        if (!fits(m, H)) continue;
        var lo = floor, hi = MAX;
        for (var j = 0; j < 6; j++) {
          var mid = (lo + hi) / 2, mm = measure(c, vis, mid, opts[i], l, gap);
          if (fits(mm, H)) { lo = mid; m = mm; } else hi = mid;
        }
        if (!best || m.s > best.s * 1.05) best = m;
      }
    }
    if (best && best.paged) {
      pages = place(c, vis, best, H);
    } else if (best) {
      if (last !== best) best = measure(c, vis, best.s, best.n, best.l, gap);
      pages = place(c, vis, best, balance(best.gs, H, best.n));
    } else { // page with every detail rather than squeeze below a readable size
      best = measure(c, vis, n <= FEW ? floor : PAGED, opts[opts.length - 1], 0, gap);
      best.paged = true;
      pages = place(c, vis, best, H);
    }
    fit0 = best;
    stats.scale = best.s;
    stats.columns = best.n;
    stats.lean = best.l;
    stats.pages = pages;
    if (page >= pages) page = 0;
    showPage();
    stats.lastFitMs = performance.now() - t0;
  }
  function showPage() {
    var pgs = content().querySelectorAll('.pg');
    for (var i = 0; i < pgs.length; i++) pgs[i].hidden = i !== page;
    label.textContent = pages > 1 ? (page + 1) + ' / ' + pages : '';
    if (pages > 1 && !pageTimer) {
      pageTimer = setInterval(function () { page = (page + 1) % pages; showPage(); },
        cfg.pageSeconds * 1000);
    } else if (pages <= 1 && pageTimer) {
      clearInterval(pageTimer);
      pageTimer = 0;
    }
  }
  function legend(vis) { // the dietary codes on screen, explained in the footer
    var codes = json(content(), 'legend') || [], shown = {};
    vis.forEach(function (v) {
      v.items.forEach(function (it) {
        var d = it.querySelectorAll('.diet');
        for (var i = 0; i < d.length; i++) shown[d[i].textContent] = true;
      });
    });
    legendEl.textContent = '';
    codes.forEach(function (e) {
      if (!shown[e[0]]) return;
      var b = el('b');
      b.textContent = e[0];
      legendEl.appendChild(b);
      legendEl.appendChild(document.createTextNode(e[1]));
    });
    foot.hidden = !legendEl.firstChild && !$('footer').textContent && !$('statement');
  }
  function sizeClass(big) {
    var h = innerHeight * (window.devicePixelRatio || 1) * (big ? 2 : 1);
    return h <= 800 ? 's' : h <= 1500 ? 'm' : 'l';
  }
  function picture(it, size) {
    if (it.querySelector('.pic')) return;
    var img = el('img', 'pic');
    img.alt = '';
    img.onerror = function () { this.remove(); }; // a missing image never breaks the board
    img.src = it.dataset.img + '&size=' + size + keyParam;
    it.insertBefore(img, it.firstChild);
  }
  function images() {
    var cards = featured ? featured.querySelectorAll('.item[data-img]') : [];
    for (var i = 0; i < cards.length; i++) picture(cards[i], sizeClass(true));
    if (!cfg.images) return;
    var its = content().querySelectorAll('.item[data-img]');
    for (var j = 0; j < its.length; j++) picture(its[j], sizeClass(false));
  }
  function logo() {
    var img = $('logo');
    if (!img || !cfg.logo) return;
    img.onerror = function () { this.remove(); };
    img.src = location.pathname + '/logo?src=' + encodeURIComponent(cfg.logo) + '&size=m' + keyParam;
  }

  // --- updates ---------------------------------------------------------------------
  // The content as the relay sent it (parsed, never shown): the next update is compared
  // with it, since the shown copy carries the layout and the script's own changes.
  function parse(html) {
    var t = el('template');
    t.innerHTML = html;
    var c = t.content.firstElementChild;
    return c && c.id === 'content' ? c : null;
  }
  function sameAttrs(a, b) { return a.cloneNode(false).isEqualNode(b.cloneNode(false)); }
  // Same sections and items in the same order: swap the changed items only and return
  // them as [old, new] pairs (null: draw it all again).
  function patch(fresh) {
    var c = content();
    if (!sent || !fresh || !c) return null;
    var f = fresh.dataset, s = sent.dataset;
    if (f.windows !== s.windows || f.tails !== s.tails || f.guids !== s.guids) return null;
    var ns = fresh.children, os = sent.children, swaps = [], at = 0;
    if (ns.length !== os.length || ns.length !== groups.length) return null;
    for (var i = 0; i < ns.length; i++) {
      var n = ns[i], o = os[i];
      if (!sameAttrs(n, o) || n.children.length !== o.children.length) return null;
      for (var j = 0; j < n.children.length; j++) {
        var nj = n.children[j];
        if (j === 0) { if (!nj.isEqualNode(o.children[0])) return null; continue; }
        if (nj.dataset.guid !== o.children[j].dataset.guid) return null;
        if (!nj.isEqualNode(o.children[j])) swaps.push([i, j - 1, at, nj]);
        at++;
      }
    }
    if (at !== items.length) return null;
    var pairs = [];
    for (var k = 0; k < swaps.length; k++) {
      var g = groups[swaps[k][0]], old = g.items[swaps[k][1]];
      var fresh1 = grow(swaps[k][3].cloneNode(true), swaps[k][2]), pic = old.querySelector('.pic');
      if (pic) fresh1.insertBefore(pic, fresh1.firstChild); // the same picture, not fetched again
      old.replaceWith(fresh1);
      g.items[swaps[k][1]] = items[swaps[k][2]] = fresh1;
      pairs.push([old, fresh1]);
    }
    for (var a = 0; a < fresh.attributes.length; a++) { // data-version, data-fetched, ...
      var name = fresh.attributes[a].name;
      if (name !== 'style' && name !== 'class') c.setAttribute(name, fresh.getAttribute(name));
    }
    return pairs;
  }
  function diets(it) {
    var d = it.querySelectorAll('.diet'), out = '';
    for (var i = 0; i < d.length; i++) out += d[i].textContent + ' ';
    return out;
  }
  // After a swap: true when the layout still holds, i.e. every swapped item that is on
  // screen (columns or featured cards) kept its height, its picture, pick and dietary
  // codes. Writes first (un-hiding the pages concerned), then every read in one pass.
  function holds(pairs) {
    if (!fit0 || !heights) return false;
    var shown = [], pgs = [], cards = false, ok = true, i;
    for (i = 0; i < pairs.length; i++) {
      var o = pairs[i][0], n = pairs[i][1];
      if (o.dataset.pick !== n.dataset.pick || o.dataset.img !== n.dataset.img ||
          diets(o) !== diets(n)) return false;
      if (featured && featured.contains(n)) { cards = true; continue; }
      var pg = n.closest('.pg');
      if (!pg) continue; // in a menu not shown now: no layout to keep
      if (!heights.has(o)) return false;
      shown.push(pairs[i]);
      if (pg.hidden && pgs.indexOf(pg) < 0) { pgs.push(pg); pg.hidden = false; }
    }
    for (i = 0; i < shown.length && ok; i++) {
      var h = height(shown[i][1]);
      ok = Math.abs(h - heights.get(shown[i][0])) < 0.01;
      if (ok) heights.set(shown[i][1], h);
    }
    for (i = 0; i < pgs.length; i++) pgs[i].hidden = true;
    if (ok && cards) ok = cardsFit();
    return ok;
  }
  function apply(html, tag) {
    var t0 = performance.now();
    var fresh = parse(html);
    var pairs = patch(fresh), quick = !!pairs;
    if (!quick && fresh) { // new items, new order, new groups: draw it all again
      var c = content(), copy = fresh.cloneNode(true);
      reset(c);
      c.replaceWith(copy);
      model(copy);
      openKey = '';
      daypart();
    }
    sent = fresh;
    if (!(pairs && holds(pairs))) {
      fit(quick); // a re-price keeps the size while it fits: no search, a steady screen
    }
    images();
    etag = tag;
    stats.updates++;
    stats.lastApplyMs = performance.now() - t0;
  }
  function save(html) {
    try {
      localStorage.setItem(storeKey, JSON.stringify({ etag: etag, version: num(sent, 'version'), html: html }));
    } catch (e) { /* full or disabled: the screen still shows the content */ }
  }
  function restore() { // a player that rebooted offline may show an older cached page
    try {
      var s = JSON.parse(localStorage.getItem(storeKey) || 'null');
      if (s && s.version > num(sent, 'version')) { apply(s.html, s.etag); return true; }
    } catch (e) { /* nothing kept */ }
    return false;
  }
  function clock(ms) {
    try {
      return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit',
        timeZone: content().dataset.tz || undefined });
    } catch (e) { return new Date(ms).toLocaleTimeString(); }
  }
  function staleNote() {
    var c = content(), now = Date.now(), limit = Math.max(20000, cfg.refresh * 3000);
    var fetched = num(c, 'fetched');
    var away = now - lastContact > limit;
    var old = c && c.dataset.stale === 'true' && now - fetched > limit;
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
  // /events: after an error, wait the server's retry: (3 s, app/api/push.py) plus a random
  // part of 30 s, so a restarted relay's boards come back spread out; then back off. The
  // board reopens the stream itself (the browser's own reconnect is every board at once),
  // naming the last version announced: it is told only of what it missed.
  function delay(n, r) { // ms before stream attempt n (n > 1: failed again), r in [0, 1)
    return (n > 2 ? Math.min(6e5, 3750 * Math.pow(2, n)) : 1e3) + r * 25e3;
  }
  function listen() { // push channel; polling stays on as the fallback
    if (!window.EventSource || !cfg.events) return;
    var es = new EventSource(eventsUrl + (key ? '&' : '?') + 'lastEventId=' +
      encodeURIComponent(seen));
    es.addEventListener('update', function (e) { seen = e.lastEventId; check(); });
    es.onopen = function () { eventFails = 0; };
    es.onerror = function () {
      es.close(); // no further events from it
      setTimeout(listen, delay(++eventFails, Math.random()));
    };
  }
  function tick() { // every 15 s: dayparts, staleness note, burn-in drift
    ticks++;
    if (daypart()) fit(false);
    staleNote();
    if (cfg.drift && ticks % 16 === 0) drift(); // every 4 minutes
  }
  function drift() { // the next point on a circle of 0.4vmin: always a move, never far
    var a = ++drifts * 2.39996; // the golden angle: points spread evenly round the circle
    frame.style.transform = 'translate(' + (0.4 * Math.cos(a)).toFixed(3) + 'vmin,' +
      (0.4 * Math.sin(a)).toFixed(3) + 'vmin)';
  }
  function offline() { // over https or localhost: a service worker keeps this page
    if (!navigator.serviceWorker || !window.isSecureContext || !window.caches) return;
    navigator.serviceWorker.register('sw.js').then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () {
      return caches.open('toast-board-v1').then(function (c) { return c.add(location.href); });
    }).then(function () { stats.offline = true; }, function () { stats.offline = false; });
  }

  var resizing = 0;
  addEventListener('resize', function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () { fit(false); }, 150);
  });
  addEventListener('online', function () { check(); });
  // Hooks for tests, benchmarks and custom scripts (documented in docs/board.md).
  stats.apply = apply;
  stats.show = function (p) { page = p % pages; showPage(); };
  stats.covers = covers;
  stats.nextOpen = nextOpen;
  stats.pack = pack;
  stats.balance = balance;
  stats.check = check;
  stats.delay = delay;
  stats.fit = function () { fit(false); };
  var sentHtml = content().outerHTML; // as the relay sent it, before the script grows it
  sent = parse(sentHtml);
  model(content());
  if (!restore()) {
    save(sentHtml);
    daypart();
    fit(false);
    images();
  }
  logo();
  if (cfg.readyForCache) {
    document.title = JSON.stringify({ ready_for_cache: true, valid_for: cfg.readyForCache });
  }
  schedule(cfg.refresh * 1000);
  setInterval(tick, 15000);
  listen();
  offline();
})();
