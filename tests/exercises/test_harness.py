"""pysim.course.harness: learner errors are reported with the learner's line numbers, a broken
check file is the harness's fault, output is captured and streamed as it is written."""

from pysim.course.harness import run_exercise

PASSING_CHECK = '''
def check_said_hello(run):
    """The program prints hello."""
    assert "hello" in run.stdout, "Print hello."

def check_answer(run):
    """answer is 42."""
    assert run.get("answer") == 42, f"answer is {run.get('answer')!r}, not 42."
'''


def test_stdout_captured_and_checks_pass():
    result = run_exercise('print("hello")\nanswer = 6 * 7\n', PASSING_CHECK)
    assert result["error"] is None
    assert result["stdout"] == "hello\n"
    assert [(c["name"], c["passed"]) for c in result["checks"]] == [("said_hello", True), ("answer", True)]
    assert result["passed"] is True


def test_failing_check_reports_its_message():
    result = run_exercise('print("hello")\nanswer = 41\n', PASSING_CHECK)
    assert result["passed"] is False
    assert result["checks"][1] == {"name": "answer", "description": "answer is 42.", "passed": False,
                                   "message": "answer is 41, not 42."}


def test_output_is_streamed_in_order():
    chunks = []
    code = 'import sys\nprint("one")\nprint("two", file=sys.stderr)\nprint("three")\n'
    result = run_exercise(code, PASSING_CHECK, stdout_cb=lambda t: chunks.append(("out", t)),
                          stderr_cb=lambda t: chunks.append(("err", t)))
    assert "".join(t for k, t in chunks if k == "out") == "one\nthree\n"
    assert [k for k, t in chunks if t.strip()] == ["out", "err", "out"]
    assert result["stderr"] == "two\n"


def test_learner_exception_shows_learner_lines_only():
    code = "answer = 1\n\ndef boom():\n    return {}['missing']\n\nboom()\n"
    result = run_exercise(code, PASSING_CHECK)
    err = result["error"]
    assert err["type"] == "KeyError" and err["source"] == "learner"
    assert err["line"] == 4
    assert 'File "exercise.py", line 6' in err["traceback"]
    assert 'File "exercise.py", line 4, in boom' in err["traceback"]
    assert "return {}['missing']" in err["traceback"]
    assert "harness" not in err["traceback"]
    assert result["checks"] == [] and result["passed"] is False
    assert "KeyError" in result["stderr"]


def test_syntax_error_has_the_right_line():
    result = run_exercise("answer = 42\nprint('ok')\nif answer = 3:\n    pass\n", PASSING_CHECK)
    err = result["error"]
    assert err["type"] == "SyntaxError" and err["line"] == 3 and err["source"] == "learner"
    assert result["checks"] == []


def test_broken_check_file_is_a_harness_error():
    result = run_exercise('print("hello")\n', "def check_x(run):\n    return (\n")
    assert result["error"]["source"] == "harness"
    assert result["error"]["type"] == "SyntaxError"
    assert result["passed"] is False


def test_check_file_without_checks_is_a_harness_error():
    result = run_exercise('print("hello")\n', "X = 1\n")
    assert result["error"]["source"] == "harness"
    assert "no check_" in result["error"]["message"]


def test_learner_state_does_not_leak_between_runs():
    run_exercise("answer = 42\nprint('hello')\n", PASSING_CHECK)
    result = run_exercise("print('hello')\n", PASSING_CHECK)
    assert result["checks"][1]["passed"] is False


def test_system_exit_is_reported_not_raised():
    result = run_exercise("raise SystemExit(3)\n", PASSING_CHECK)
    assert result["error"]["type"] == "SystemExit"


def test_check_crashing_on_learner_state_fails_that_check_only():
    check = 'def check_a(run):\n    """len of items."""\n    assert len(run.get("items")) == 2\n'
    result = run_exercise("items = None\n", check)
    assert result["error"] is None
    assert result["checks"][0]["passed"] is False
    assert "TypeError" in result["checks"][0]["message"]


SETUP_CHECK = '''
from pysim import kafka

def setup():
    """The hidden world: a topic with three records, made before the learner's code runs."""
    print("setup output the learner must not see")
    cluster = kafka.cluster("localhost:9092")
    cluster.create_topic("given", num_partitions=1)
    producer = kafka.Producer({"bootstrap.servers": "localhost:9092"})
    for n in range(3):
        producer.produce("given", value=f"v{n}")
    producer.flush()

def check_saw_setup(run):
    """The learner read the three given records."""
    assert run.get("seen") == ["v0", "v1", "v2"], f"seen is {run.get('seen')!r}"
'''

READ_GIVEN = '''from pysim import kafka
cluster = kafka.cluster("localhost:9092")
seen = [r.value.decode() for r in cluster.records("given", 0)] if cluster.has_topic("given") else []
print(f"read {len(seen)}")
'''


def test_setup_runs_before_the_learner_code_and_its_output_is_hidden():
    chunks = []
    result = run_exercise(READ_GIVEN, SETUP_CHECK, stdout_cb=chunks.append)
    assert result["error"] is None
    assert result["passed"] is True
    assert result["stdout"] == "read 3\n" and "".join(chunks) == "read 3\n"


def test_setup_runs_on_a_reset_simulator_every_run():
    run_exercise(READ_GIVEN, SETUP_CHECK)
    result = run_exercise(READ_GIVEN, SETUP_CHECK)    # create_topic again would fail if not reset
    assert result["error"] is None and result["passed"] is True


def test_setup_error_is_a_harness_error_and_the_learner_code_does_not_run():
    check = SETUP_CHECK.replace('print("setup output', 'raise RuntimeError("no world")\n    print("x')
    ran = []
    result = run_exercise('print("learner ran")\n', check, stdout_cb=ran.append)
    err = result["error"]
    assert err["source"] == "harness" and err["type"] == "RuntimeError" and err["message"] == "no world"
    assert 'File "check.py"' in err["traceback"] and "no world" in err["traceback"]
    assert ran == [] and result["stdout"] == "" and result["checks"] == []
    assert result["passed"] is False


def test_setup_that_is_not_a_function_is_a_harness_error():
    result = run_exercise("seen = []\n", PASSING_CHECK + "\nsetup = 3\n")
    assert result["error"]["source"] == "harness" and "setup" in result["error"]["message"]


def test_without_setup_the_learner_starts_from_an_empty_cluster():
    result = run_exercise(READ_GIVEN, SETUP_CHECK.replace("def setup():", "def _unused():"))
    assert result["error"] is None
    assert result["stdout"] == "read 0\n"
    assert result["checks"][0]["passed"] is False


DRIVING_CHECK = '''
from pysim import kafka

def check_checks_drive_it(run):
    """The checks run the learner's function against the simulator."""
    kafka.cluster("localhost:9092").create_topic(run.get("name")(), num_partitions=2)
'''


def test_trace_is_the_learners_run_or_the_checks_run_when_the_learner_only_defines_functions():
    # the learner's code touched the simulator: its run is the picture, not what checks did after
    own = run_exercise('from pysim import kafka\nkafka.cluster("localhost:9092").create_topic("mine")\n'
                       'def name():\n    return "theirs"\n', DRIVING_CHECK)
    assert own["passed"] and own["trace"]["topics"] == {"mine": 1}
    # only a function: the checks drove the simulator with it, and that run is the picture
    driven = run_exercise('def name():\n    return "theirs"\n', DRIVING_CHECK)
    assert driven["passed"] and driven["trace"]["topics"] == {"theirs": 2}
    # nothing touched the simulator at all: no picture
    assert run_exercise('answer = 42\n', PASSING_CHECK)["trace"] is None
