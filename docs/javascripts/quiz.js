/* Concept checks and design challenges: grade in the browser, save answers locally. */
(function () {
  "use strict";

  function lessonScore(lesson) {
    var forms = document.querySelectorAll('form.quiz[data-lesson="' + lesson + '"]');
    var right = 0, answered = 0;
    forms.forEach(function (f) {
      if (f.dataset.result) { answered++; if (f.dataset.result === "right") right++; }
    });
    var out = document.getElementById("concept-score-" + lesson);
    if (!out && forms.length) {
      out = document.createElement("p");
      out.id = "concept-score-" + lesson;
      out.className = "concept-score";
      out.setAttribute("aria-live", "polite");
      forms[forms.length - 1].insertAdjacentElement("afterend", out);
    }
    if (out) out.textContent = "Concept score: " + right + "/" + forms.length +
      (answered < forms.length ? " (" + (forms.length - answered) + " unanswered)" : "");
  }

  function mark(label, cls, words) {
    if (!label) return;
    label.classList.add(cls);
    var tag = document.createElement("span");
    tag.className = "quiz-tag";
    tag.textContent = " (" + words + ")";
    label.appendChild(tag);
  }

  function unmark(form) {
    form.querySelectorAll(".quiz-tag").forEach(function (t) { t.remove(); });
    form.querySelectorAll(".quiz-option--key, .quiz-option--chosen").forEach(function (l) {
      l.classList.remove("quiz-option--key", "quiz-option--chosen");
    });
  }

  function initQuiz(form) {
    if (form.dataset.ready) return;
    form.dataset.ready = "1";
    var feedback = form.querySelector(".quiz-feedback");
    var explanation = form.querySelector(".quiz-explanation");
    var retry = form.querySelector(".quiz-retry");
    var check = form.querySelector(".quiz-check");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var chosen = form.querySelector("input[type=radio]:checked");
      if (!chosen) { feedback.textContent = "Choose an answer first."; return; }
      var right = chosen.value === form.dataset.key;
      var letter = "ABCD"[Number(form.dataset.key)];
      feedback.textContent = right ? "Correct." : "Not quite: the answer is " + letter + ".";
      feedback.className = "quiz-feedback " + (right ? "quiz-right" : "quiz-wrong");
      // The list itself says which option is right (and which one was chosen, if wrong), in
      // words as well as colour, so the explanation can be read against the options.
      var options = form.querySelectorAll(".quiz-option");
      mark(options[Number(form.dataset.key)], "quiz-option--key", "right answer");
      if (!right) mark(chosen.closest(".quiz-option"), "quiz-option--chosen", "your answer");
      form.dataset.result = right ? "right" : "wrong";
      explanation.hidden = false;
      form.querySelectorAll("input[type=radio]").forEach(function (r) { r.disabled = true; });
      check.hidden = true;
      retry.hidden = false;
      if (window.CourseProgress) window.CourseProgress.recordQuiz(form.dataset.quizId, right);
      lessonScore(form.dataset.lesson);
      // The Check button just disappeared: focus goes to the verdict, not to <body>.
      feedback.focus();
    });
    retry.addEventListener("click", function () {
      unmark(form);
      form.querySelectorAll("input[type=radio]").forEach(function (r) { r.disabled = false; r.checked = false; });
      delete form.dataset.result;
      feedback.textContent = "";
      explanation.hidden = true;
      retry.hidden = true;
      check.hidden = false;
      lessonScore(form.dataset.lesson);
      form.querySelector("input[type=radio]").focus();
    });
  }

  function initChallenge(box) {
    if (box.dataset.ready) return;
    box.dataset.ready = "1";
    var id = box.dataset.challengeId;
    var area = box.querySelector("textarea");
    var status = box.querySelector(".challenge-saved");
    if (window.CourseProgress) area.value = window.CourseProgress.loadChallenge(id);
    var timer = null;
    area.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (window.CourseProgress) window.CourseProgress.saveChallenge(id, area.value);
        status.textContent = "Saved in this browser.";
      }, 400);
    });
  }

  function init() {
    document.querySelectorAll("form.quiz").forEach(initQuiz);
    document.querySelectorAll(".challenge[data-challenge-id]").forEach(initChallenge);
    var lessons = {};
    document.querySelectorAll("form.quiz").forEach(function (f) { lessons[f.dataset.lesson] = 1; });
    Object.keys(lessons).sort().forEach(lessonScore);
  }

  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(init);
  else document.addEventListener("DOMContentLoaded", init);
})();
