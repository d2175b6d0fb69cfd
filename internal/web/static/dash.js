// alumnipulse dashboards: draws each chart from its JSON data block. The page carries no inline script
// (the CSP forbids it); chart options arrive as <script type="application/json"> blocks, which the browser
// never executes, and are parsed here.
(function () {
  'use strict';

  var charts = [];

  function draw(el) {
    var block = document.getElementById(el.getAttribute('data-option'));
    var table = document.getElementById(el.getAttribute('aria-describedby'));
    if (!block || !window.echarts) {
      // No chart library (a build without the vendored script): show the numbers instead.
      el.classList.add('chart-failed');
      if (table) { table.open = true; }
      return;
    }
    try {
      var chart = window.echarts.init(el, null, { renderer: 'canvas' });
      chart.setOption(JSON.parse(block.textContent));
      charts.push(chart);
      el.setAttribute('data-drawn', 'true');
    } catch (err) {
      el.classList.add('chart-failed');
      if (table) { table.open = true; }
      throw err;
    }
  }

  function resizeAll() {
    charts.forEach(function (c) { c.resize(); });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll('.chart[data-option]'), draw);

    var pending = 0;
    window.addEventListener('resize', function () {
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(resizeAll);
    });

    // Filters apply as soon as one changes; the Apply button stays for keyboard and no-script use.
    Array.prototype.forEach.call(document.querySelectorAll('select[data-autosubmit]'), function (sel) {
      sel.addEventListener('change', function () { sel.form.submit(); });
    });

    var printButton = document.querySelector('[data-print]');
    if (printButton) {
      printButton.addEventListener('click', function () { window.print(); });
    }

    // Printouts carry the numbers: open every data table while printing, and restore afterwards.
    var opened = [];
    window.addEventListener('beforeprint', function () {
      opened = [];
      Array.prototype.forEach.call(document.querySelectorAll('details.data-table'), function (d) {
        if (!d.open) { d.open = true; opened.push(d); }
      });
      resizeAll();
    });
    window.addEventListener('afterprint', function () {
      opened.forEach(function (d) { d.open = false; });
      resizeAll();
    });
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
