# Wrong: a share group with a new name. A share group starts reading each partition at its
# end (share.auto.offset.reset=latest, the group default), so the 36 jobs already queued are
# never delivered to it; only "resize-share" was configured to start at the earliest record.
# Fails: share_group
# Already there (hidden setup): the topic "thumbnails" (2 partitions) holds 36 resize jobs, and
# the share group "resize-share" is configured with share.auto.offset.reset=earliest. The
# module `farm` runs workers:
#   farm.run_job(msg)   resizes one image: 2 s of this worker's time; raises ValueError
#                       (corrupt image: never works) or TimeoutError (works next time)
#   farm.run(consumer_group=(make, turn), share_group=(make, turn))
#                       starts 6 workers per group (make() once per worker) and, for 90 s of
#                       virtual time, calls turn(consumer) each time a worker is free
from pysim import kafka
import farm


def consumer_group_worker():
    consumer = kafka.Consumer({"bootstrap.servers": "localhost:9092",
                               "group.id": "resize-cg",
                               "auto.offset.reset": "earliest",
                               "enable.auto.commit": False})
    consumer.subscribe(["thumbnails"])
    return consumer


def consumer_group_turn(consumer):
    msg = consumer.poll(0)
    if msg is None or msg.error():
        return
    try:
        farm.run_job(msg)
    except Exception:
        pass                     # a consumer group can only skip it (or dead-letter it)
    consumer.commit(message=msg, asynchronous=False)


def share_group_worker():
    consumer = kafka.ShareConsumer({"bootstrap.servers": "localhost:9092",
                                    "group.id": "thumbnail-workers",
                                    "share.acknowledgement.mode": "explicit",
                                    "max.poll.records": 1})      # slow jobs: one at a time
    consumer.subscribe(["thumbnails"])
    return consumer


def share_group_turn(consumer):
    for msg in consumer.poll(0):
        if msg.error():
            continue
        try:
            farm.run_job(msg)
            consumer.acknowledge(msg, kafka.AcknowledgeType.ACCEPT)
        except ValueError:
            consumer.acknowledge(msg, kafka.AcknowledgeType.REJECT)     # can never work
        except Exception:
            consumer.acknowledge(msg, kafka.AcknowledgeType.RELEASE)    # deliver it again


farm.run(consumer_group=(consumer_group_worker, consumer_group_turn),
         share_group=(share_group_worker, share_group_turn))
