"""Reference numbers: unique under concurrent registrations, which no longer wait on each other."""

import threading
from typing import Any

import pytest
from django.db import connection, transaction

from complaints.models import ReferenceCounter
from complaints.services.intake import reference_numbers, reference_sequence


@pytest.mark.django_db
def test_numbers_count_up_and_a_block_is_consecutive() -> None:
    first = reference_numbers(prefix="Q", year=2090)
    assert reference_numbers(prefix="Q", year=2090) == first + 1
    block = reference_numbers(prefix="Q", year=2090, count=10)
    assert block == first + 2
    assert reference_numbers(prefix="Q", year=2090) == first + 12
    assert reference_numbers(prefix="Q", year=2091) == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_new_sequence_continues_after_the_counter_of_earlier_releases() -> None:
    ReferenceCounter.objects.create(prefix="Z", year=2089, last=41)
    assert reference_numbers(prefix="Z", year=2089) == 42


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_get_unique_numbers_without_waiting_for_each_other() -> None:
    prefix, year = "T", 2092
    drawn: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(work: Any, *args: Any) -> None:
        try:
            work(*args)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    def first_of_the_year(barrier: threading.Barrier) -> None:
        barrier.wait(timeout=30)
        for _ in range(5):
            with transaction.atomic():
                number = reference_numbers(prefix=prefix, year=year)
            with lock:
                drawn.append(number)

    def held_open(barrier: threading.Barrier, roll_back: bool) -> None:
        # Every thread holds its transaction open until all have drawn: if drawing locked
        # anything until commit, the barrier would time out.
        try:
            with transaction.atomic():
                number = reference_numbers(prefix=prefix, year=year)
                with lock:
                    drawn.append(number)
                barrier.wait(timeout=30)
                if roll_back:
                    raise RuntimeError("registration failed")
        except RuntimeError:
            pass

    try:
        barrier = threading.Barrier(6)
        threads = [threading.Thread(target=run, args=(first_of_the_year, barrier)) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        assert sorted(drawn) == list(range(1, 31))  # the sequence was created once, nothing lost

        barrier = threading.Barrier(4)
        threads = [threading.Thread(target=run, args=(held_open, barrier, i == 0)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        assert len(drawn) == len(set(drawn)) == 34
        # The rolled-back registration's number is a gap, never handed out again.
        assert reference_numbers(prefix=prefix, year=year) == 35
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SEQUENCE IF EXISTS "{reference_sequence(prefix=prefix, year=year)}"')
