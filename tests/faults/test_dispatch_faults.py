"""Faults against the real services: a worker killed with SIGKILL mid-batch, Redis restarted
with no data, two beats and three workers, and SMTP servers answering 451, 550, or dropping the
connection before their 250. Each test prints how many reminders were lost and duplicated."""

import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import UserFactory
from tests.integration.harness import (
    TICK,
    SmtpSink,
    all_sent,
    count,
    make_due_reminders,
    statuses,
    wait_for,
)
from tracker.reminders.models import Reminder

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def test_kill_9_mid_batch_of_200_loses_none_and_duplicates_only_in_the_reply_gap(
    redis_broker, clusters, user, report
):
    with SmtpSink(delay=0.02) as sink:
        cluster = clusters(redis_broker, sink)
        ids = make_due_reminders(user, 200)
        worker = cluster.worker()
        cluster.beat()
        wait_for(lambda: len(sink.received) >= 60, 60, "the first 60 deliveries", cluster)
        worker.kill9()
        at_kill = len(sink.received)
        in_flight = statuses(message_id__in=ids)["sending"]
        cluster.worker()
        wait_for(all_sent(ids), 90, "all 200 to be sent after the restart", cluster)
        time.sleep(4 * TICK)
        got = sink.ids()
    lost, duplicated = count(ids, got)
    report(
        f"FAULT kill -9 mid-batch: 200 due, killed after {at_kill} delivered with {in_flight} "
        f"claimed; lost={lost} duplicated={duplicated}"
    )
    assert lost == 0
    assert duplicated <= 1, "only the message in the SMTP reply gap may go twice"
    assert set(got) == set(ids), "a duplicate carries the same Message-ID as its original"


def test_redis_restarted_with_no_data_loses_and_duplicates_none(
    clusters, private_redis, user, report
):
    redis = private_redis
    with SmtpSink() as sink:
        cluster = clusters(redis.url, sink)
        cluster.start()
        now = datetime.now(UTC)
        ids = []
        for wave in range(3):
            ids += make_due_reminders(user, 50, due_at=now + timedelta(seconds=4 * wave))
        first = ids[:50]
        wait_for(all_sent(first), 40, "the first wave", cluster)
        redis.kill()  # all queued ticks, unacked messages and beat state in Redis are gone
        time.sleep(2)
        redis.start()  # empty, on the same port
        wait_for(all_sent(ids), 90, "all 150 after the Redis restart", cluster)
        time.sleep(4 * TICK)
        got = sink.ids()
    lost, duplicated = count(ids, got)
    report(f"FAULT Redis restarted empty mid-run: 150 due; lost={lost} duplicated={duplicated}")
    assert (lost, duplicated) == (0, 0)


def test_two_beats_and_three_workers_send_each_of_1000_exactly_once(
    redis_broker, clusters, user, report
):
    with SmtpSink() as sink:
        cluster = clusters(redis_broker, sink)
        ids = make_due_reminders(user, 1000)
        workers = [cluster.worker() for _ in range(3)]
        beats = [cluster.beat() for _ in range(2)]
        wait_for(all_sent(ids), 150, "all 1,000 to be sent", cluster, interval=0.5)
        time.sleep(4 * TICK)
        got = sink.ids()
    lost, duplicated = count(ids, got)
    senders = [w for w in workers if "Reminders: " in w.log.read_text()]
    ticking = [b for b in beats if "Sending due task" in b.log.read_text()]
    report(
        f"FAULT two beats + three workers: 1000 due, {len(senders)} workers sent, "
        f"{len(ticking)} beats ticked; lost={lost} duplicated={duplicated}"
    )
    assert (lost, duplicated) == (0, 0)
    assert len(ticking) == 2 and len(senders) >= 2, "the race must actually be exercised"


def test_smtp_451_twice_then_250_550_and_a_dropped_reply(redis_broker, clusters, report):
    people = {
        code: UserFactory(email=f"r{code}@example.com") for code in ("451", "550", "drop")
    }
    ids = {code: make_due_reminders(u, 1)[0] for code, u in people.items()}
    script = {
        "r451@example.com": ["451", "451", "250"],
        "r550@example.com": ["550"],
        "rdrop@example.com": ["drop", "250"],
    }
    with SmtpSink(script=script) as sink:
        cluster = clusters(redis_broker, sink)
        cluster.worker()
        cluster.beat()
        wait_for(all_sent([ids["451"], ids["drop"]]), 60, "the 451 and drop reminders", cluster)
        wait_for(lambda: Reminder.objects.filter(message_id=ids["550"], status="failed").exists(),
                 30, "the 550 reminder to fail", cluster)
        time.sleep(3)  # longer than the capped backoff: a 5xx must not be retried
        got, attempts = sink.ids(), sink.handler.attempts
    rows = {code: Reminder.objects.get(message_id=mid) for code, mid in ids.items()}
    for code in ("451", "550", "drop"):
        lost, duplicated = count([ids[code]], got) if code != "550" else (0, got[ids[code]])
        report(
            f"FAULT SMTP {code}: status={rows[code].status} attempts={rows[code].attempts} "
            f"delivered={got[ids[code]]}; lost={lost} duplicated={duplicated}"
        )
    assert got[ids["451"]] == 1 and attempts["r451@example.com"] == 3
    assert rows["451"].status == "sent" and rows["451"].attempts == 3

    assert ids["550"] not in got and attempts["r550@example.com"] == 1
    assert rows["550"].status == "failed" and rows["550"].attempts == 1
    assert "550" in rows["550"].last_error and "no such user" in rows["550"].last_error

    assert rows["drop"].status == "sent" and rows["drop"].attempts == 2
    assert got[ids["drop"]] == 2, "delivered once before the drop, once on the retry"
