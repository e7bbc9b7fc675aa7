/*
 * Yingshang (营商) — the small script behind the server-rendered pages.
 *
 * Plain ES2017, no build step, no inline handlers anywhere: the pages run under
 * `script-src 'self'; style-src 'self'`, so every behaviour hangs off a data- attribute
 * and is wired here by event delegation (works for content that htmx swaps in later).
 *
 *   [data-chart="/url.json"]        ECharts chart; the URL returns an ECharts option object
 *   [data-chart-json="id"]          ECharts chart; option in <script type="application/json" id="id">
 *   [data-confirm="message"]        confirm() before a click (button/link) or a submit (form)
 *   [data-autosubmit]               on a select/input: submit its form on change
 *   [data-nav-toggle]               button that opens/closes the phone navigation (aria-controls)
 *   [data-copy="text"]              copy text to the clipboard (or data-copy-target="#id")
 *   tr[data-href="/url"]            the whole table row opens the URL (mouse and keyboard)
 *
 * The server formats all times and numbers; nothing here localises.
 */
(function () {
  'use strict';

  var doc = document;
  var root = doc.documentElement;
  root.classList.add('js');

  var lang = (root.getAttribute('lang') || 'zh-CN').toLowerCase();
  var zh = lang.indexOf('zh') === 0;
  var text = {
    chartError: zh ? '图表加载失败' : 'The chart could not be loaded',
    copied: zh ? '已复制' : 'Copied',
    copyFailed: zh ? '复制失败，请手动复制' : 'Copy failed; please copy by hand'
  };

  function onReady(fn) {
    if (doc.readyState === 'loading') {
      doc.addEventListener('DOMContentLoaded', fn);
    } else {
      fn();
    }
  }

  /* Elements matching selector inside scope, scope itself included. */
  function within(scope, selector) {
    var found = [];
    if (!scope || scope.nodeType !== 1) {
      scope = doc.body;
    }
    if (scope.matches(selector)) {
      found.push(scope);
    }
    var list = scope.querySelectorAll(selector);
    for (var i = 0; i < list.length; i++) {
      found.push(list[i]);
    }
    return found;
  }

  /* ------------------------------------------------------------ charts */

  var charts = new Set();          // live ECharts instances created here
  var chartOf = new WeakMap();     // element → instance (never trust echarts' DOM id after a swap)
  var pending = new WeakSet();     // elements whose option is being fetched
  var reduceMotion = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  var resizeObserver = null;
  var themeRegistered = false;

  function registerTheme() {
    if (themeRegistered) {
      return;
    }
    themeRegistered = true;
    // The palette follows app.css: government blue first, brand red second, then
    // distinguishable hues that stay readable when printed in grey.
    window.echarts.registerTheme('yingshang', {
      color: ['#1f4e8c', '#c0422f', '#2b8a4b', '#d29a00', '#6b4fa8', '#1c8a9a', '#8a5a2b', '#55606e'],
      backgroundColor: 'transparent',
      textStyle: {
        fontFamily: 'system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif',
        color: '#1f2329'
      },
      title: { textStyle: { fontSize: 15, fontWeight: 600, color: '#1f2329' } },
      legend: { textStyle: { color: '#3d4652' } },
      categoryAxis: { axisLine: { lineStyle: { color: '#aeb6c2' } }, axisLabel: { color: '#55606e' } },
      valueAxis: { axisLabel: { color: '#55606e' }, splitLine: { lineStyle: { color: '#e3e7ec' } } }
    });
  }

  function sweepCharts() {
    charts.forEach(function (inst) {
      if (inst.isDisposed() || !inst.getDom().isConnected) {
        if (!inst.isDisposed()) {
          inst.dispose();
        }
        charts.delete(inst);
      }
    });
  }

  function showChartError(el, err) {
    el.classList.remove('is-loading');
    el.classList.add('is-error');
    el.textContent = el.getAttribute('data-chart-error') || text.chartError;
    if (err && window.console) {
      window.console.warn('chart', el.getAttribute('data-chart') || el.getAttribute('data-chart-json'), err);
    }
  }

  function loadOption(el) {
    var ref = el.getAttribute('data-chart-json');
    if (ref) {
      var block = doc.getElementById(ref);
      if (!block) {
        return Promise.reject(new Error('no <script type="application/json" id="' + ref + '">'));
      }
      try {
        return Promise.resolve(JSON.parse(block.textContent));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    var url = el.getAttribute('data-chart');
    return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (res) {
        if (!res.ok) {
          throw new Error('HTTP ' + res.status);
        }
        return res.json();
      });
  }

  /* Defaults that keep charts CSP-safe unless the option says otherwise. ECharts' aria
     option is left off: it would overwrite the template's own aria-label with a long
     generated description; templates give the chart role="img" + aria-label and the
     numbers in a table instead. */
  function withDefaults(option) {
    option = Object.assign({}, option);
    // ECharts' HTML tooltips carry inline style="" attributes, which style-src 'self'
    // blocks (markers vanish, layout breaks); rich-text tooltips are drawn on the canvas.
    if (option.tooltip && !Array.isArray(option.tooltip) && !option.tooltip.renderMode) {
      option.tooltip = Object.assign({ renderMode: 'richText' }, option.tooltip);
    }
    if (reduceMotion && option.animation === undefined) {
      option.animation = false;
    }
    return option;
  }

  function initChart(el) {
    if (chartOf.has(el) || pending.has(el)) {
      return;
    }
    if (!window.echarts) {
      showChartError(el, new Error('echarts.min.js is not loaded on this page'));
      return;
    }
    registerTheme();
    // Content restored from htmx's history cache still carries the old chart's canvas and
    // _echarts_instance_ attribute: clear both, or echarts would reuse a dead instance.
    if (el.hasAttribute('_echarts_instance_')) {
      el.removeAttribute('_echarts_instance_');
    }
    el.textContent = '';
    el.classList.remove('is-error');
    el.classList.add('is-loading');
    pending.add(el);

    loadOption(el).then(function (option) {
      pending.delete(el);
      el.classList.remove('is-loading');
      if (!el.isConnected) {
        return;
      }
      var inst = window.echarts.init(el, 'yingshang', { renderer: 'canvas' });
      inst.setOption(withDefaults(option));
      charts.add(inst);
      chartOf.set(el, inst);
      if (resizeObserver) {
        resizeObserver.observe(el);
      }
    }).catch(function (err) {
      pending.delete(el);
      showChartError(el, err);
    });
  }

  function initCharts(scope) {
    sweepCharts();
    within(scope, '[data-chart], [data-chart-json]').forEach(initChart);
  }

  function resizeCharts() {
    charts.forEach(function (inst) {
      if (!inst.isDisposed()) {
        inst.resize();
      }
    });
  }

  var resizeQueued = false;
  function queueResize() {
    if (resizeQueued) {
      return;
    }
    resizeQueued = true;
    window.requestAnimationFrame(function () {
      resizeQueued = false;
      resizeCharts();
    });
  }

  if (window.ResizeObserver) {
    // Catches window resizes and layout changes (nav opened, card resized) alike.
    resizeObserver = new ResizeObserver(function (entries) {
      for (var i = 0; i < entries.length; i++) {
        var inst = chartOf.get(entries[i].target);
        if (inst && !inst.isDisposed()) {
          inst.resize();
        }
      }
    });
  } else {
    window.addEventListener('resize', queueResize);
  }
  // Print layouts are narrower than the screen: fit charts before and after printing.
  window.addEventListener('beforeprint', resizeCharts);
  window.addEventListener('afterprint', queueResize);

  /* ------------------------------------------------------------ confirm */

  doc.addEventListener('click', function (e) {
    var el = e.target.closest && e.target.closest('[data-confirm]');
    if (!el || el.tagName === 'FORM' || el.disabled) {
      return;
    }
    if (!window.confirm(el.getAttribute('data-confirm'))) {
      e.preventDefault();
      e.stopPropagation();   // capture phase on document: htmx on the element never sees it
    }
  }, true);

  doc.addEventListener('submit', function (e) {
    var form = e.target;
    if (!form.hasAttribute || !form.hasAttribute('data-confirm')) {
      return;
    }
    if (!window.confirm(form.getAttribute('data-confirm'))) {
      e.preventDefault();
      e.stopPropagation();
    }
  }, true);

  /* ------------------------------------------------------------ autosubmit */

  doc.addEventListener('change', function (e) {
    var el = e.target;
    if (!el.hasAttribute || !el.hasAttribute('data-autosubmit') || !el.form) {
      return;
    }
    if (typeof el.form.requestSubmit === 'function') {
      el.form.requestSubmit();   // fires "submit": htmx and [data-confirm] see it
    } else {
      el.form.submit();
    }
  });

  /* ------------------------------------------------------------ phone navigation */

  function navTarget(button) {
    var id = button.getAttribute('aria-controls');
    return id ? doc.getElementById(id) : doc.querySelector('.sidenav');
  }

  function setNav(button, open) {
    var nav = navTarget(button);
    if (!nav) {
      return;
    }
    nav.classList.toggle('is-open', open);
    button.setAttribute('aria-expanded', open ? 'true' : 'false');
  }

  doc.addEventListener('click', function (e) {
    var button = e.target.closest && e.target.closest('[data-nav-toggle]');
    if (button) {
      setNav(button, button.getAttribute('aria-expanded') !== 'true');
    }
  });

  doc.addEventListener('keydown', function (e) {
    if (e.key !== 'Escape') {
      return;
    }
    var open = doc.querySelector('[data-nav-toggle][aria-expanded="true"]');
    if (open) {
      setNav(open, false);
      open.focus();
    }
    var menus = doc.querySelectorAll('details.user-menu[open]');
    for (var i = 0; i < menus.length; i++) {
      menus[i].removeAttribute('open');
    }
  });

  // A click outside an open <details class="user-menu"> closes it.
  doc.addEventListener('click', function (e) {
    var menus = doc.querySelectorAll('details.user-menu[open]');
    for (var i = 0; i < menus.length; i++) {
      if (!menus[i].contains(e.target)) {
        menus[i].removeAttribute('open');
      }
    }
  });

  /* ------------------------------------------------------------ copy to clipboard */

  function copyFallback(value) {
    // navigator.clipboard needs a secure context; intranet deployments often run plain http.
    var area = doc.createElement('textarea');
    area.value = value;
    area.setAttribute('readonly', '');
    area.className = 'sr-only';
    doc.body.appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = doc.execCommand('copy');
    } catch (e) {
      ok = false;
    }
    doc.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error('copy failed'));
  }

  function copyText(value) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(value).catch(function () {
        return copyFallback(value);
      });
    }
    return copyFallback(value);
  }

  doc.addEventListener('click', function (e) {
    var el = e.target.closest && e.target.closest('[data-copy], [data-copy-target]');
    if (!el) {
      return;
    }
    e.preventDefault();
    var value = el.getAttribute('data-copy');
    var sel = el.getAttribute('data-copy-target');
    if (sel) {
      var src = doc.querySelector(sel);
      value = src ? (src.value !== undefined ? src.value : src.textContent) : '';
    }
    value = (value || '').trim();
    if (!value) {
      return;
    }
    if (el.classList.contains('is-copied')) {
      return;
    }
    copyText(value).then(function () {
      var saved = Array.prototype.slice.call(el.childNodes);
      el.classList.add('is-copied');
      el.textContent = el.getAttribute('data-copied') || text.copied;
      window.setTimeout(function () {
        el.textContent = '';
        saved.forEach(function (node) { el.appendChild(node); });
        el.classList.remove('is-copied');
      }, 1600);
    }, function () {
      // Last resort: a prompt shows the value selected, ready for Ctrl+C / long-press.
      window.prompt(text.copyFailed, value);
    });
  });

  /* ------------------------------------------------------------ clickable rows */

  var interactive = 'a, button, input, select, textarea, label, summary, [data-copy], [data-confirm]';

  function openRow(row, newTab) {
    var href = row.getAttribute('data-href');
    if (!href) {
      return;
    }
    if (newTab) {
      window.open(href, '_blank', 'noopener');
    } else {
      window.location.assign(href);
    }
  }

  function rowClick(e) {
    var row = e.target.closest && e.target.closest('tr[data-href]');
    if (!row || e.defaultPrevented || e.target.closest(interactive)) {
      return;
    }
    if (e.type === 'auxclick' && e.button !== 1) {
      return;
    }
    if (window.getSelection && String(window.getSelection()).length > 0) {
      return;   // the user is selecting text (e.g. an appeal number), not opening the row
    }
    openRow(row, e.ctrlKey || e.metaKey || e.button === 1);
  }
  doc.addEventListener('click', rowClick);
  doc.addEventListener('auxclick', rowClick);   // middle button: new tab

  doc.addEventListener('keydown', function (e) {
    if (e.key !== 'Enter' || !e.target.matches || !e.target.matches('tr[data-href]')) {
      return;
    }
    e.preventDefault();
    openRow(e.target, e.ctrlKey || e.metaKey);
  });

  // Rows without a link of their own become focusable so the keyboard can open them;
  // rows that hold a real <a href> keep that link as their single tab stop.
  function initRows(scope) {
    within(scope, 'tr[data-href]').forEach(function (row) {
      if (!row.hasAttribute('tabindex') && !row.querySelector('a[href]')) {
        row.setAttribute('tabindex', '0');
      }
    });
  }

  /* ------------------------------------------------------------ wiring */

  function init(scope) {
    initRows(scope);
    initCharts(scope);
  }

  onReady(function () {
    init(doc.body);
  });
  // htmx fires htmx:load on every element it adds (swaps, out-of-band swaps, history
  // restores), so new charts and rows are initialised wherever they come from.
  doc.addEventListener('htmx:load', function (e) {
    init(e.target);
  });
  doc.addEventListener('htmx:afterSettle', sweepCharts);

  // htmx snapshots the page into its history cache as HTML. ECharts' own DOM carries style
  // attributes, and re-parsing those on a back-button restore trips style-src 'self'. So the
  // chart DOM is parked while htmx takes the snapshot (synchronously, right after this event)
  // and put back in a microtask; the restored copy is then drawn afresh by initChart.
  doc.addEventListener('htmx:beforeHistorySave', function () {
    var parked = [];
    charts.forEach(function (inst) {
      var el = inst.getDom();
      parked.push({
        el: el,
        id: el.getAttribute('_echarts_instance_'),
        css: el.style.cssText,
        kids: Array.prototype.slice.call(el.childNodes)
      });
    });
    parked.forEach(function (p) {
      p.el.textContent = '';
      p.el.removeAttribute('_echarts_instance_');
      // Reading the attribute first flushes Chrome's lazily serialised inline style;
      // without it the removal can be undone by a late write-back of style="".
      p.el.getAttribute('style');
      p.el.removeAttribute('style');
    });
    Promise.resolve().then(function () {
      parked.forEach(function (p) {
        p.el.style.cssText = p.css;   // CSSOM, which the CSP allows (a style attribute it would not)
        p.kids.forEach(function (node) { p.el.appendChild(node); });
        if (p.id) {
          p.el.setAttribute('_echarts_instance_', p.id);
        }
      });
    });
  });
}());
