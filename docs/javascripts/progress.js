/* Course progress, kept in this browser only (localStorage, one versioned key). */
(function () {
  "use strict";
  var KEY = "kafka-course-progress";
  var VERSION = 1;
  var listeners = [];
  var manifest = null;
  var notice = null;

  function empty() { return { version: VERSION, quizzes: {}, exercises: {}, challenges: {} }; }

  function load() {
    var raw;
    try { raw = window.localStorage.getItem(KEY); } catch (e) { return empty(); }
    if (raw === null) return empty();
    try {
      var v = JSON.parse(raw);
      if (v && v.version === VERSION && typeof v.quizzes === "object" && v.quizzes &&
          typeof v.exercises === "object" && v.exercises && typeof v.challenges === "object" && v.challenges) {
        return v;
      }
    } catch (e) { /* fall through to reset */ }
    notice = "Saved progress could not be read (corrupted or from another version); it was reset.";
    var fresh = empty();
    save(fresh);
    return fresh;
  }

  function save(state) {
    try { window.localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* storage full or off */ }
  }

  function change() {
    listeners.slice().forEach(function (fn) { try { fn(); } catch (e) { console.error(e); } });
  }

  function lessons() { return (manifest && manifest.lessons) || []; }

  var api = {
    recordQuiz: function (id, correct) { var s = load(); s.quizzes[id] = !!correct; save(s); change(); },
    recordExercise: function (id, passed) {
      var s = load(); s.exercises[id] = !!(s.exercises[id] || passed); save(s); change();
    },
    saveChallenge: function (id, text) { var s = load(); s.challenges[id] = String(text); save(s); },
    loadChallenge: function (id) { var s = load(); return s.challenges[id] || ""; },
    lessonStatus: function (lessonId) {
      var s = load();
      var l = lessons().filter(function (x) { return x.id === lessonId; })[0] || { quizzes: [], exercises: [] };
      // Core exercises complete a lesson; extra ones are counted beside them.
      var core = l.core_exercises || l.exercises, extra = l.extra_exercises || [];
      var passed = function (e) { return s.exercises[e] === true; };
      var qc = l.quizzes.filter(function (q) { return s.quizzes[q] === true; }).length;
      var ep = core.filter(passed).length;
      return { quizCorrect: qc, quizTotal: l.quizzes.length, exercisesPassed: ep,
               exercisesTotal: core.length, extraPassed: extra.filter(passed).length, extraTotal: extra.length,
               completed: l.quizzes.length + core.length > 0 && qc === l.quizzes.length && ep === core.length };
    },
    completedCount: function () {
      return lessons().filter(function (l) { return api.lessonStatus(l.id).completed; }).length;
    },
    totalLessons: function () { return lessons().length || 4; },
    reset: function () { notice = null; var n = document.querySelector(".course-progress-notice"); if (n) n.hidden = true; save(empty()); change(); },
    onChange: function (fn) { listeners.push(fn); }
  };
  window.CourseProgress = api;

  window.addEventListener("storage", function (e) { if (e.key === KEY) change(); });

  function siteRoot() {
    try { return new URL(__md_scope); } catch (e) { /* older Material */ }
    var cfg = document.getElementById("__config");
    var base = cfg ? JSON.parse(cfg.textContent).base : ".";
    return new URL(base.replace(/\/?$/, "/"), location.href);
  }

  // The bar shows on the home page and on lesson pages, where progress is made; reference and
  // contributing pages carry none. Resetting lives on the home page only, as a real button.
  function isCoursePage() {
    if (document.querySelector("[data-lesson-status]")) return true;
    var here = location.pathname.replace(/index\.html$/, "");
    return lessons().some(function (l) { return here.endsWith("/" + l.url) || here === "/" + l.url; });
  }

  function wireReset(button) {
    if (button.dataset.wired) return;
    button.dataset.wired = "1";
    button.addEventListener("click", function () {
      if (window.confirm("Reset all your course progress and saved answers?")) {
        api.reset();
        var done = document.querySelector(".course-progress-done");
        if (done) done.textContent = "Progress reset.";
      }
    });
  }

  function render() {
    var content = document.querySelector(".md-content__inner") || document.body;
    var bar = document.getElementById("course-progress-bar");
    if (!bar && isCoursePage()) {
      bar = document.createElement("section");
      bar.id = "course-progress-bar";
      bar.className = "course-progress";
      bar.setAttribute("aria-label", "Course progress");
      bar.innerHTML = '<span class="course-progress-text" aria-live="polite"></span>' +
        '<p class="course-progress-notice" role="status" hidden></p>';
      content.insertBefore(bar, content.firstChild);
    }
    if (bar) {
      bar.querySelector(".course-progress-text").textContent =
        "Session progress: " + api.completedCount() + " / " + api.totalLessons() + " completed";
      var n = bar.querySelector(".course-progress-notice");
      if (notice) { n.textContent = notice; n.hidden = false; }
    }
    document.querySelectorAll("button.course-progress-reset").forEach(function (b) {
      wireReset(b);
      if (!b.nextElementSibling || !b.nextElementSibling.classList.contains("course-progress-done")) {
        var done = document.createElement("span");
        done.className = "course-progress-done";
        done.setAttribute("role", "status");
        b.insertAdjacentElement("afterend", done);
      }
    });
    document.querySelectorAll("[data-lesson-status]").forEach(function (el) {
      var st = api.lessonStatus(el.getAttribute("data-lesson-status"));
      var text = st.completed ? "Completed" : "Concept check " + st.quizCorrect + "/" + st.quizTotal +
        (st.exercisesTotal ? ", core exercises " + st.exercisesPassed + "/" + st.exercisesTotal : "");
      if (st.extraTotal) text += " (extra " + st.extraPassed + "/" + st.extraTotal + ")";
      el.textContent = text;
      el.setAttribute("data-completed", st.completed ? "true" : "false");
    });
  }

  api.onChange(render);

  function init() {
    load();
    if (manifest) { render(); return; }
    fetch(new URL("assets/course-manifest.json", siteRoot()).href)
      .then(function (r) { return r.ok ? r.json() : { lessons: [] }; })
      .catch(function () { return { lessons: [] }; })
      .then(function (m) { manifest = m; render(); });
  }

  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(init);
  else document.addEventListener("DOMContentLoaded", init);
})();
