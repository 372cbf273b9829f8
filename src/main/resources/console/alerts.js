/* The console's alerts page, saved-query picker and "save query": REST /alerts and /queries, live from events.alerts. */
(function () {
  'use strict';

  var REFRESH_MS = 5000;
  var visible = false;
  var timer = null;
  var saved = {};

  function $(id) { return document.getElementById(id); }

  function send(method, path, body) {
    var headers = {'Accept': 'application/json'};
    var key = window.ECConsole ? window.ECConsole.apiKey() : '';
    if (key) headers['Authorization'] = 'Bearer ' + key;
    var init = {method: method, headers: headers};
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (response) {
      if (response.status === 204) return null;
      return response.json().then(function (answer) {
        if (!response.ok) {
          throw new Error((answer.error || ('HTTP ' + response.status)) + (answer.field ? ' (' + answer.field + ')' : ''));
        }
        return answer;
      });
    });
  }

  // Helpers of app.js, which loads after this file and before anything here runs.
  function el(tag, attrs, children) { return window.ECConsole.el(tag, attrs, children); }

  function shortTime(iso) { return window.ECConsole.shortTime(iso); }

  // ---------------------------------------------------------------- rules

  function ruleRow(rule) {
    var state = rule.state || {};
    var silence = el('button', {type: 'button', 'class': 'secondary', text: 'Silence 1 h'});
    silence.addEventListener('click', function () {
      send('POST', 'alerts/' + encodeURIComponent(rule.name) + '/silence', {minutes: 60}).then(load)
        .catch(function (err) { $('alerts-summary').textContent = err.message; });
    });
    var query = typeof rule.query === 'string' ? 'saved: ' + rule.query : JSON.stringify(rule.query);
    var row = el('tr', {'class': 'alert-rule', 'data-rule': rule.name}, [
      el('td', {text: rule.name}),
      el('td', {text: rule.kind}),
      el('td', {}, [el('span', {'class': 'state ' + state.state, text: state.state || ''})]),
      el('td', {text: shortTime(state.since), 'class': 'time'}),
      el('td', {text: state.value == null ? '' : String(state.value), 'class': 'num'}),
      el('td', {text: rule.every_seconds + ' s', 'class': 'num'}),
      el('td', {text: query, 'class': 'mono'}),
      el('td', {}, [silence])
    ]);
    if (state.error) row.title = 'last evaluation failed: ' + state.error;
    return row;
  }

  function load() {
    return send('GET', 'alerts').then(function (answer) {
      var body = $('alerts-body');
      body.innerHTML = '';
      answer.alerts.forEach(function (rule) { body.appendChild(ruleRow(rule)); });
      var firing = answer.alerts.filter(function (r) { return r.state && r.state.state === 'firing'; }).length;
      $('alerts-summary').textContent = answer.alerts.length + ' rules, ' + firing + ' firing';
    }).catch(function (err) { $('alerts-summary').textContent = err.message; });
  }

  function kindChanged() {
    var kind = $('a-kind').value;
    function toggle(cls, on) {
      Array.prototype.forEach.call(document.querySelectorAll('#alert-form .' + cls), function (n) {
        n.style.display = on ? '' : 'none';
      });
    }
    toggle('for-window', kind !== 'anomaly');
    toggle('for-threshold', kind === 'threshold');
    toggle('for-anomaly', kind === 'anomaly');
    toggle('for-days', kind === 'anomaly' || kind === 'new_error_group');
  }

  function number(id) {
    var value = $(id).value.trim();
    return value === '' ? undefined : Number(value);
  }

  function addRule(e) {
    e.preventDefault();
    $('alert-error').textContent = '';
    var kind = $('a-kind').value;
    var rule = {kind: kind, every_seconds: number('a-every')};
    if ($('a-query').value) {
      rule.query = $('a-query').value;
    } else if ($('a-params').value.trim()) {
      try {
        rule.query = JSON.parse($('a-params').value);
      } catch (err) {
        $('alert-error').textContent = 'parameters must be a JSON object';
        return;
      }
    }
    if (kind !== 'anomaly') rule.window_minutes = number('a-window');
    if (kind === 'threshold') {
      rule.op = $('a-op').value;
      rule.value = number('a-value');
    }
    if (kind === 'anomaly') rule.sigma = number('a-sigma');
    if ((kind === 'anomaly' || kind === 'new_error_group') && number('a-days') !== undefined) rule.days = number('a-days');
    send('PUT', 'alerts/' + encodeURIComponent($('a-name').value.trim()), rule).then(load)
      .catch(function (err) { $('alert-error').textContent = err.message; });
  }

  // ---------------------------------------------------------------- saved queries

  function loadSaved() {
    return send('GET', 'queries').then(function (answer) {
      saved = {};
      ['q-saved', 'a-query'].forEach(function (id) {
        var select = $(id);
        var current = select.value;
        while (select.options.length > 1) select.remove(1);
        answer.queries.forEach(function (query) {
          saved[query.name] = query;
          select.appendChild(el('option', {value: query.name, text: query.name}));
        });
        select.value = saved[current] ? current : '';
      });
    }).catch(function () { /* without scope read there is nothing to pick */ });
  }

  function pickSaved() {
    var name = $('q-saved').value;
    $('q-saved-name').value = name;
    var query = saved[name];
    $('q-saved').title = query ? JSON.stringify(query.params) + (query.description ? ' · ' + query.description : '') : '';
    window.ECConsole.runQuery(0);
  }

  function saveQuery() {
    var name = window.prompt('Save this query as (a-z, 0-9, _ and -):', $('q-saved').value || '');
    if (!name) return;
    var params = {};
    var base = saved[$('q-saved').value];
    if (base) Object.keys(base.params).forEach(function (key) { params[key] = base.params[key]; });
    Array.prototype.forEach.call($('query-form').elements, function (input) {
      if (input.name && input.name !== 'saved' && input.value.trim()) params[input.name] = input.value.trim();
    });
    send('PUT', 'queries/' + encodeURIComponent(name.trim()), {params: params}).then(function () {
      return loadSaved();
    }).then(function () {
      $('q-saved').value = name.trim();
      $('q-saved-name').value = name.trim();
      $('q-error').textContent = 'saved as ' + name.trim();
    }).catch(function (err) { $('q-error').textContent = err.message; });
  }

  // ---------------------------------------------------------------- wiring

  window.ECAlerts = {
    /** Called by the console when the alerts view is shown or left. */
    shown: function (on) {
      visible = on;
      if (timer) clearInterval(timer);
      timer = null;
      loadSaved();
      if (on) {
        load();
        timer = setInterval(load, REFRESH_MS);
      }
    },
    /** Called with each new bridge connection: rule changes refresh the page at once. */
    busOpen: function (bus) {
      bus.registerHandler('events.alerts', function (err) {
        if (!err && visible) load();
      });
    }
  };

  document.addEventListener('DOMContentLoaded', function () {
    $('a-kind').addEventListener('change', kindChanged);
    $('alert-form').addEventListener('submit', addRule);
    $('q-saved').addEventListener('change', pickSaved);
    $('q-save').addEventListener('click', saveQuery);
    $('api-key').addEventListener('change', loadSaved);
    kindChanged();
  });
})();
