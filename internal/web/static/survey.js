// Alumni survey form: shows conditional questions live, follows progress, keeps "other" texts ticked and
// guards against double submits. The form works without it: the server validates everything.
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  function ready(fn) {
    if (document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', fn);
    } else {
      fn();
    }
  }

  ready(function () {
    var form = document.getElementById('survey-form');
    if (!form) {
      return;
    }
    var questions = Array.prototype.slice.call(form.querySelectorAll('.q'));
    var byId = {};
    questions.forEach(function (q) { byId[q.getAttribute('data-q')] = q; });

    function chosen(id) {
      var q = byId[id];
      if (!q) {
        return [];
      }
      return Array.prototype.map.call(q.querySelectorAll('input:checked'), function (i) { return i.value; });
    }

    // visible mirrors survey.Visible: shown when the question it depends on is shown and answered with
    // one of the listed values.
    function visible(q, depth) {
      var ref = q.getAttribute('data-show-if');
      if (!ref) {
        return true;
      }
      var r = byId[ref];
      if (!r || depth > 20 || !visible(r, depth + 1)) {
        return false;
      }
      var want = (q.getAttribute('data-show-in') || '').split(' ');
      return chosen(ref).some(function (v) { return want.indexOf(v) >= 0; });
    }

    function answered(q) {
      if (q.querySelector('input:checked')) {
        return true;
      }
      var t = q.querySelector('textarea');
      return !!(t && t.value.trim() !== '');
    }

    function setShown(q, shown) {
      if (q.hidden !== !shown) {
        q.hidden = !shown;
      }
      // Hidden questions are not sent: the server would drop their answers anyway.
      if (q.tagName === 'FIELDSET') {
        q.disabled = !shown;
      } else {
        Array.prototype.forEach.call(q.querySelectorAll('textarea, input'), function (el) { el.disabled = !shown; });
      }
    }

    var box = document.getElementById('progress');
    var bar = document.getElementById('progress-bar');
    var text = document.getElementById('progress-text');

    function update() {
      var shown = 0;
      var done = 0;
      questions.forEach(function (q) {
        var v = visible(q, 0);
        setShown(q, v);
        if (v) {
          shown++;
          if (answered(q)) {
            done++;
          }
        }
      });
      if (box && bar && text) {
        bar.max = Math.max(shown, 1);
        bar.value = done;
        text.textContent = (box.getAttribute('data-label') || '{n} / {m}')
          .replace('{n}', String(done)).replace('{m}', String(shown));
        box.hidden = false;
      }
    }

    // Typing an "other" text ticks its choice, so the text is sent.
    form.addEventListener('input', function (ev) {
      var t = ev.target;
      var of = t && t.getAttribute && t.getAttribute('data-other-of');
      if (of && t.value.trim() !== '') {
        var other = document.getElementById('f-' + of + '-other');
        if (other && !other.checked) {
          other.checked = true;
        }
      }
      update();
    });
    form.addEventListener('change', update);

    var button = form.querySelector('button[type="submit"]');
    var label = button ? button.textContent : '';
    form.addEventListener('submit', function () {
      if (!button) {
        return;
      }
      // After the browser has started sending: a second tap does nothing, the first still goes.
      window.setTimeout(function () {
        button.disabled = true;
        button.textContent = button.getAttribute('data-busy') || label;
      }, 0);
    });
    // Coming back with the browser's Back button restores the page from its cache: make it usable.
    window.addEventListener('pageshow', function () {
      if (button) {
        button.disabled = false;
        button.textContent = label;
      }
    });

    // The error summary's links focus the field itself, with its question in view.
    var summary = document.getElementById('error-summary');
    if (summary) {
      summary.addEventListener('click', function (ev) {
        var a = ev.target.closest ? ev.target.closest('a[href^="#"]') : null;
        if (!a) {
          return;
        }
        var field = document.getElementById(a.getAttribute('href').slice(1));
        if (!field) {
          return;
        }
        ev.preventDefault();
        var q = field.closest('.q');
        (q || field).scrollIntoView({ block: 'start' });
        field.focus({ preventScroll: true });
      });
    }

    update();
    var first = summary || document.getElementById('alert');
    if (first) {
      first.focus();
    }
  });
})();
