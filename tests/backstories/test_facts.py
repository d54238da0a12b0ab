"""The fact table (deterministic quotes per topic) that the LLM critic compares against."""

from __future__ import annotations

from chorus.backstories import consistency_cases, fact_table, shares_topic
from chorus.backstories.facts import MAX_QUOTES, topic_sentences


def test_fact_table_quotes_first_person_sentences_by_topic():
    facts = fact_table(
        [
            (
                "I'm 34 years old and I grew up in Dayton. My two daughters are my world. "
                "The weather was nice that year."
            ),
            "I work as a nurse, and I vote for Democrats in every election.",
        ]
    )
    by_topic = {(f.topic, f.turn): f.quote for f in facts}
    assert by_topic[("age", 0)] == "I'm 34 years old and I grew up in Dayton."
    assert by_topic[("place", 0)] == "I'm 34 years old and I grew up in Dayton."
    assert by_topic[("family", 0)] == "My two daughters are my world."
    assert by_topic[("work", 1)] == by_topic[("politics", 1)]
    assert all("weather" not in f.quote for f in facts)  # no first person, no fact


def test_fact_table_keeps_the_earliest_quotes_per_topic():
    answers = [f"My son number {i} was born when I was {20 + i}." for i in range(MAX_QUOTES + 2)]
    family = [f.turn for f in fact_table(answers) if f.topic == "family"]
    assert family == list(range(MAX_QUOTES))


def test_every_consistency_fragment_shares_its_planted_topic(critic_cases):
    """So the critic is asked about each fragment, and the consistent half is not trivially
    skipped: both halves mention the fact's topic again."""
    for case in consistency_cases(critic_cases):
        assert shares_topic(case), case.id
        assert case.topic in topic_sentences(case.answer), case.id
