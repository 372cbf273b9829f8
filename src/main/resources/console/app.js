/* The web console: live tail over the SockJS bridge, queries, stats and correlation traces over REST. */
(function () {
  'use strict';

  var SEVERITIES = ['debug', 'info', 'warning', 'error', 'critical'];
  var MAX_LIVE_ROWS = 500;
  var BACKFILL_ROWS = 50;
  var state = {systems: [], bus: null, busAddress: null, paused: false, held: [], received: 0,
    offset: 0, lastQuery: null, current: null};

  function $(id) { return document.getElementById(id); }

  // What the alerts page (alerts.js) shares with the rest of the console.
  window.ECConsole = {apiKey: apiKey, el: el, shortTime: shortTime, runQuery: runQuery};

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === 'text') node.textContent = attrs[key];
      else if (key === 'class') node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function apiKey() { return $('api-key').value.trim(); }

  function api(path) {
    var headers = {'Accept': 'application/json'};
    if (apiKey()) headers['Authorization'] = 'Bearer ' + apiKey();
    return fetch(path, {headers: headers}).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) throw new Error(body.error || ('HTTP ' + response.status));
        return body;
      });
    });
  }

  function rank(severity) { return SEVERITIES.indexOf(severity); }

  function shortTime(iso) { return iso ? iso.replace('T', ' ').replace('Z', '') : ''; }

  function fillSelect(select, values, anyLabel) {
    select.innerHTML = '';
    select.appendChild(el('option', {value: '', text: anyLabel}));
    values.forEach(function (value) { select.appendChild(el('option', {value: value, text: value})); });
  }

  // ---------------------------------------------------------------- views

  function show(view) {
    var name = (view || 'live').split('/')[0];
    ['live', 'query', 'stats', 'trace', 'alerts'].forEach(function (v) {
      $('view-' + v).classList.toggle('active', v === name);
      $('tab-' + v).classList.toggle('active', v === name);
    });
    if (name === 'stats') loadStats();
    if (window.ECAlerts) window.ECAlerts.shown(name === 'alerts');
    if (name === 'trace') {
      var id = decodeURIComponent((view || '').split('/').slice(1).join('/'));
      if (id) {
        $('trace-input').value = id;
        loadTrace(id);
      }
    }
  }

  function eventRow(event) {
    var alert = /^alert\.(fired|resolved)$/.test(event.event_type) ? ' alert-event ' + event.event_type.replace('.', '-') : '';
    var row = el('tr', {'class': 'event-row sev-' + event.severity + alert, 'data-id': event.event_id}, [
      el('td', {text: shortTime(event.timestamp), 'class': 'time'}),
      el('td', {text: event.source_system}),
      el('td', {}, [el('span', {'class': 'badge ' + event.severity, text: event.severity})]),
      el('td', {text: event.event_type}),
      el('td', {text: event.title || ''}),
      el('td', {text: event.correlation_id || '', 'class': 'mono'}),
      el('td', {text: event.duration_ms == null ? '' : String(event.duration_ms), 'class': 'num'})
    ]);
    row.addEventListener('click', function () { openDetail(event); });
    return row;
  }

  // ---------------------------------------------------------------- live tail

  function liveMatches(event) {
    var min = $('live-severity').value;
    if (min && rank(event.severity) < rank(min)) return false;
    var types = $('live-type').value.split(',').map(function (t) { return t.trim(); }).filter(Boolean);
    if (types.length && types.indexOf(event.event_type) < 0) return false;
    var tags = $('live-tags').value.split(',').map(function (t) { return t.trim(); }).filter(Boolean);
    for (var i = 0; i < tags.length; i++) {
      if ((event.tags || []).indexOf(tags[i]) < 0) return false;
    }
    var search = $('live-search').value.trim().toLowerCase();
    if (search) {
      var text = ((event.title || '') + ' ' + (event.description || '')).toLowerCase();
      if (search.split(/\s+/).some(function (term) { return text.indexOf(term) < 0; })) return false;
    }
    return true;
  }

  function onLive(err, message) {
    if (err || !message || !message.body) return;
    var event = message.body;
    if (!liveMatches(event)) return;
    state.received++;
    if (state.paused) {
      state.held.push(event);
      if (state.held.length > MAX_LIVE_ROWS) state.held.shift();
    } else {
      addLive(event);
    }
    liveStatus();
  }

  function addLive(event) {
    var body = $('live-body');
    if (shown(event)) return;
    body.insertBefore(eventRow(event), body.firstChild);
    while (body.rows.length > MAX_LIVE_ROWS) body.deleteRow(body.rows.length - 1);
  }

  function shown(event) {
    return $('live-body').querySelector('tr[data-id="' + CSS.escape(event.event_id) + '"]') !== null;
  }

  // The newest stored events, below whatever arrived live meanwhile, so the tail never opens empty.
  function backfill() {
    var system = $('live-system').value;
    api('events?limit=' + BACKFILL_ROWS + (system ? '&source_system=' + encodeURIComponent(system) : '')).then(function (answer) {
      var body = $('live-body');
      answer.events.filter(liveMatches).forEach(function (event) {
        if (shown(event) || body.rows.length >= MAX_LIVE_ROWS) return;
        body.appendChild(eventRow(event));
      });
    }).catch(function (err) {
      $('live-status').textContent = 'newest events: ' + err.message;
    });
  }

  function liveStatus() {
    $('live-status').textContent = state.received + ' received' +
      (state.paused ? ' · paused, ' + state.held.length + ' waiting' : '');
  }

  function subscribe() {
    var system = $('live-system').value;
    var address = system ? 'events.stream.' + system : 'events.stream';
    if (state.bus && state.busAddress === address) return;
    if (state.bus && state.busAddress) state.bus.unregisterHandler(state.busAddress, onLive);
    state.busAddress = address;
    if (state.bus) state.bus.registerHandler(address, onLive);
  }

  function connectBus() {
    if (state.bus) state.bus.close();
    var url = 'eventbus' + (apiKey() ? '?api_key=' + encodeURIComponent(apiKey()) : '');
    var bus = new EventBus(url);
    state.bus = bus;
    var address = state.busAddress || 'events.stream';
    state.busAddress = null;
    bus.onopen = function () {
      if (window.ECAlerts) window.ECAlerts.busOpen(bus);
      $('bus-state').textContent = 'bridge: live';
      $('bus-state').className = 'pill on';
      backfill();
    };
    bus.onclose = function () {
      if (state.bus !== bus) return;
      $('bus-state').textContent = 'bridge: closed';
      $('bus-state').className = 'pill off';
      setTimeout(function () { if (state.bus === bus) connectBus(); }, 3000);
    };
    bus.onerror = function (message) {
      $('live-status').textContent = 'bridge refused: ' + (message.body || message.message);
    };
    $('live-system').value = address === 'events.stream' ? '' : address.substring('events.stream.'.length);
    subscribe();
  }

  function togglePause() {
    state.paused = !state.paused;
    $('live-pause').textContent = state.paused ? 'Resume' : 'Pause';
    $('live-pause').classList.toggle('paused', state.paused);
    if (!state.paused) {
      state.held.forEach(addLive);
      state.held = [];
    }
    liveStatus();
  }

  // ---------------------------------------------------------------- query

  function queryString(offset) {
    var params = new URLSearchParams();
    Array.prototype.forEach.call($('query-form').elements, function (input) {
      if (input.name && input.value.trim()) params.set(input.name, input.value.trim());
    });
    params.set('offset', String(offset));
    return params.toString();
  }

  function runQuery(offset) {
    state.offset = Math.max(0, offset);
    var qs = queryString(state.offset);
    $('q-error').textContent = '';
    api('events?' + qs).then(function (answer) {
      var body = $('q-body');
      body.innerHTML = '';
      answer.events.forEach(function (event) { body.appendChild(eventRow(event)); });
      var limit = answer.query.limit;
      $('q-prev').disabled = state.offset === 0;
      $('q-next').disabled = answer.count < limit;
      // /events/count takes the same parameters and ignores paging and sorting.
      return api('events/count?' + qs).then(function (count) {
        $('q-summary').textContent = answer.count === 0 ? 'no events (of ' + count.count + ')' :
          'events ' + (state.offset + 1) + '–' + (state.offset + answer.count) + ' of ' + count.count;
      });
    }).catch(function (err) {
      $('q-error').textContent = err.message;
    });
  }

  // ---------------------------------------------------------------- stats

  function bars(container, counts, order, limit) {
    container.innerHTML = '';
    var entries = Object.keys(counts || {}).map(function (key) { return [key, counts[key]]; });
    if (order) {
      entries.sort(function (a, b) { return order.indexOf(a[0]) - order.indexOf(b[0]); });
    } else {
      entries.sort(function (a, b) { return b[1] - a[1]; });
    }
    if (limit) entries = entries.slice(0, limit);
    var max = entries.reduce(function (m, e) { return Math.max(m, e[1]); }, 0) || 1;
    if (!entries.length) container.appendChild(el('p', {'class': 'muted', text: 'no events'}));
    entries.forEach(function (entry) {
      var bar = el('div', {'class': 'bar-fill ' + entry[0]});
      bar.style.width = Math.max(1, Math.round(100 * entry[1] / max)) + '%';
      container.appendChild(el('div', {'class': 'bar-row'}, [
        el('span', {'class': 'bar-label', text: entry[0]}),
        el('div', {'class': 'bar-track'}, [bar]),
        el('span', {'class': 'bar-value', text: String(entry[1])})
      ]));
    });
  }

  function loadStats() {
    var hours = Number($('stats-window').value);
    // Answers of an older window that arrive late are ignored.
    var load = state.statsLoad = (state.statsLoad || 0) + 1;
    var qs = '';
    if (hours > 0) {
      var end = new Date(Date.now() + 1000);
      var start = new Date(end.getTime() - hours * 3600 * 1000 - 1000);
      qs = '?start_time=' + encodeURIComponent(start.toISOString()) + '&end_time=' + encodeURIComponent(end.toISOString());
    }
    api('events/stats' + qs).then(function (stats) {
      if (load !== state.statsLoad) return;
      $('stats-total').textContent = stats.total_events;
      var range = stats.time_range || {};
      $('stats-range').textContent = range.start ? shortTime(range.start) + ' → ' + shortTime(range.end) : 'all time';
      bars($('stats-severity'), stats.by_severity, SEVERITIES);
      bars($('stats-system'), stats.by_source_system);
      bars($('stats-type'), stats.by_event_type, null, 10);
      var from = hours > 0 ? Date.now() - hours * 3600 * 1000 : Date.parse(range.start);
      var to = hours > 0 ? Date.now() : Date.parse(range.end) + 1;
      if (stats.total_events > 0 && from < to) return timeline(from, to, load, hours);
      $('stats-timeline').innerHTML = '';
    }).catch(function (err) {
      $('stats-range').textContent = err.message;
    });
  }

  /** 24 buckets over [from, to): counts of all events and of error or worse, drawn with uPlot. */
  function timeline(from, to, load, hours) {
    var buckets = 24;
    var step = Math.max(1, Math.ceil((to - from) / buckets));
    var starts = [];
    for (var i = 0; i < buckets; i++) starts.push(from + i * step);
    function counts(extra) {
      return Promise.all(starts.map(function (start) {
        var qs = 'start_time=' + encodeURIComponent(new Date(start).toISOString()) +
          '&end_time=' + encodeURIComponent(new Date(start + step).toISOString()) + extra;
        return api('events/count?' + qs).then(function (answer) { return answer.count; });
      }));
    }
    return Promise.all([counts(''), counts('&min_severity=error')]).then(function (series) {
      if (load !== state.statsLoad) return;
      var container = $('stats-timeline');
      container.innerHTML = '';
      container.setAttribute('data-window', String(hours));
      var xs = starts.map(function (start) { return (start + step / 2) / 1000; });
      var options = {
        width: Math.max(300, container.clientWidth - 4), height: 200,
        series: [{}, {label: 'events', stroke: '#2f6fde', fill: 'rgba(47,111,222,.15)', width: 2},
          {label: 'error+', stroke: '#e0533d', fill: 'rgba(224,83,61,.15)', width: 2}],
        axes: [{}, {size: 40}],
        scales: {y: {range: function (u, min, max) { return [0, Math.max(1, max)]; }}}
      };
      state.chart = new uPlot(options, [xs, series[0], series[1]], container);
    });
  }

  // ---------------------------------------------------------------- trace

  function loadTrace(id) {
    $('trace-error').textContent = '';
    api('events/correlation/' + encodeURIComponent(id)).then(function (answer) {
      drawTrace(answer.events);
      $('trace-summary').textContent = answer.count + ' events';
    }).catch(function (err) {
      $('trace-error').textContent = err.message;
    });
  }

  function drawTrace(events) {
    var timeline = $('trace-timeline');
    var axis = $('trace-axis');
    timeline.innerHTML = '';
    axis.innerHTML = '';
    if (!events.length) {
      timeline.appendChild(el('p', {'class': 'muted', text: 'no events with this correlation id'}));
      return;
    }
    // An event with a duration is stamped when the work ended: its bar reaches back by duration_ms.
    var spans = events.map(function (event) {
      var end = Date.parse(event.timestamp);
      return {event: event, start: end - (event.duration_ms || 0), end: end};
    });
    var t0 = Math.min.apply(null, spans.map(function (s) { return s.start; }));
    var t1 = Math.max.apply(null, spans.map(function (s) { return s.end; }));
    var total = Math.max(1, t1 - t0);
    [0, 0.25, 0.5, 0.75, 1].forEach(function (f) {
      var tick = el('span', {'class': 'tick', text: '+' + formatMs(total * f)});
      tick.style.left = (f * 100) + '%';
      axis.appendChild(tick);
    });
    spans.forEach(function (span) {
      var bar = el('div', {'class': 'trace-bar ' + span.event.severity,
        title: span.event.event_type + ' · ' + (span.event.duration_ms == null ? 'instant' : span.event.duration_ms + ' ms')});
      bar.style.left = (100 * (span.start - t0) / total) + '%';
      bar.style.width = 'max(3px, ' + (100 * (span.end - span.start) / total) + '%)';
      var row = el('div', {'class': 'trace-row', 'data-id': span.event.event_id}, [
        el('div', {'class': 'trace-label'}, [
          el('span', {'class': 'badge ' + span.event.severity, text: span.event.severity}),
          el('span', {text: ' ' + span.event.event_type + (span.event.source_component ? ' · ' + span.event.source_component : '')})
        ]),
        el('div', {'class': 'trace-lane'}, [bar]),
        el('div', {'class': 'trace-ms', text: span.event.duration_ms == null ? '' : formatMs(span.event.duration_ms)})
      ]);
      row.addEventListener('click', function () { openDetail(span.event); });
      timeline.appendChild(row);
    });
  }

  function formatMs(ms) {
    return ms >= 1000 ? (ms / 1000).toFixed(ms >= 10000 ? 0 : 1) + ' s' : Math.round(ms) + ' ms';
  }

  // ---------------------------------------------------------------- detail

  function openDetail(event) {
    state.current = event;
    $('detail-title').textContent = event.event_type + ' — ' + event.source_system;
    var fields = $('detail-fields');
    fields.innerHTML = '';
    ['event_id', 'timestamp', 'severity', 'title', 'description', 'correlation_id', 'source_component', 'duration_ms']
      .forEach(function (name) {
        if (event[name] == null || event[name] === '') return;
        fields.appendChild(el('dt', {text: name}));
        fields.appendChild(el('dd', {text: String(event[name])}));
      });
    $('detail-json').textContent = JSON.stringify(event, null, 2);
    $('detail-trace').disabled = !event.correlation_id;
    $('detail').classList.remove('hidden');
  }

  function closeDetail() { $('detail').classList.add('hidden'); }

  // ---------------------------------------------------------------- start

  function start(config) {
    state.systems = config.systems || [];
    fillSelect($('live-system'), state.systems, 'all (events.stream)');
    fillSelect($('q-system'), state.systems, 'any');
    Array.prototype.forEach.call(document.querySelectorAll('.severity-select'), function (select) {
      fillSelect(select, SEVERITIES, 'any');
    });
    $('api-key').value = localStorage.getItem('ec.api_key') || '';
    $('api-key').addEventListener('change', function () {
      localStorage.setItem('ec.api_key', apiKey());
      connectBus();
    });
    $('live-system').addEventListener('change', function () {
      subscribe();
      $('live-body').innerHTML = '';
      backfill();
    });
    $('live-pause').addEventListener('click', togglePause);
    $('live-clear').addEventListener('click', function () {
      $('live-body').innerHTML = '';
      state.held = [];
      state.received = 0;
      liveStatus();
    });
    $('query-form').addEventListener('submit', function (e) { e.preventDefault(); runQuery(0); });
    $('q-prev').addEventListener('click', function () { runQuery(state.offset - Number($('q-limit').value)); });
    $('q-next').addEventListener('click', function () { runQuery(state.offset + Number($('q-limit').value)); });
    $('stats-refresh').addEventListener('click', loadStats);
    $('stats-window').addEventListener('change', loadStats);
    $('trace-form').addEventListener('submit', function (e) {
      e.preventDefault();
      location.hash = 'trace/' + encodeURIComponent($('trace-input').value.trim());
    });
    $('detail-close').addEventListener('click', closeDetail);
    $('detail').addEventListener('click', function (e) { if (e.target === $('detail')) closeDetail(); });
    $('detail-trace').addEventListener('click', function () {
      closeDetail();
      location.hash = 'trace/' + encodeURIComponent(state.current.correlation_id);
    });
    document.addEventListener('keydown', function (e) { if (e.key === 'Escape') closeDetail(); });
    window.addEventListener('hashchange', function () { show(location.hash.slice(1)); });
    connectBus();
    liveStatus();
    // The query view opens on the newest events, as the form's defaults ask for them.
    runQuery(0);
    show(location.hash.slice(1));
  }

  fetch('console/config.json').then(function (r) { return r.json(); }).then(start);
})();
