"""queue_history reads every message's passage through a queue back from the trace, and
queue_figure draws it with a text alternative that says the same."""

from pysim import amqp
from pysim.amqp.history import queue_history
from pysim.course.draw_queue import queue_figure


def _world():
    amqp.reset_all(0)
    conn = amqp.BlockingConnection(amqp.ConnectionParameters())
    ch = conn.channel()
    ch.queue_declare("dead")
    ch.queue_declare("work", arguments={"x-dead-letter-exchange": "", "x-dead-letter-routing-key": "dead"})
    for body, exp in ((b"acked", None), (b"rejected", None), (b"expires", "100"), (b"held", None), (b"waits", None)):
        ch.basic_publish("", "work", body, amqp.BasicProperties(expiration=exp))
    a = ch.basic_get("work")[0]
    r = ch.basic_get("work")[0]
    ch.basic_ack(a.delivery_tag)
    ch.basic_reject(r.delivery_tag, requeue=False)
    conn.sleep(0.5)                        # "expires" is at the head now: gone at 100 ms
    ch.basic_get("work")                   # "held": out with this channel, unacked
    return amqp.broker(), conn


def test_every_passage_and_its_fate():
    broker, _ = _world()
    fates = [(p.body, p.fate, p.left_ms) for p in queue_history(broker, "work")]
    assert fates == [(b"acked", "acked", 0), (b"rejected", "rejected", 0), (b"expires", "expired", 100),
                     (b"held", "with a consumer", None), (b"waits", "ready", None)]
    dead = queue_history(broker, "dead")
    assert [(p.body, p.how, p.fate) for p in dead] == [
        (b"rejected", "dead-lettered from work (rejected)", "ready"),
        (b"expires", "dead-lettered from work (expired)", "ready")]


def test_deleting_the_queue_ends_every_stay():
    broker, conn = _world()
    conn.channel().queue_delete("dead")
    assert {p.fate for p in queue_history(broker, "dead")} == {"deleted with the queue"}


def test_figure_text_says_what_the_picture_shows():
    broker, _ = _world()
    figure = queue_figure(broker, "work", figure_id="t")
    assert "5 messages entered the queue, 2 are still there" in figure.text
    assert "expires arrived at 0 s, expired at 0.1 s" in figure.text
    assert figure.svg.count("stroke-dasharray") == 3          # three ghosts: acked, rejected, expired
    assert 'aria-labelledby="t-title t-desc"' in figure.svg
    again, _ = _world()
    assert queue_figure(again, "work", figure_id="t").svg == figure.svg
