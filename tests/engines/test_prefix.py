from chorus.engines.prefix import group_by_prefix


def test_groups_share_the_longest_common_prefix_before_the_first_query():
    a = [1, 2, 3, 4, 5, 6, 7]
    b = [1, 2, 3, 4, 5, 9, 9, 9]
    c = [8, 8, 8, 8]
    groups = group_by_prefix([a, b, c], first_query=[6, 7, 3], min_prefix=3)
    by_members = {tuple(sorted(g.members)): g.prefix_len for g in groups}
    assert by_members == {(0, 1): 5, (2,): 0}


def test_prefix_stops_before_a_query_position_inside_it():
    # two loglik jobs on the same context: queries start at position 3, so the prefix is 3
    seqs = [[5, 5, 5, 5, 1], [5, 5, 5, 5, 2]]
    (g,) = group_by_prefix(seqs, first_query=[3, 3], min_prefix=2)
    assert sorted(g.members) == [0, 1] and g.prefix_len == 3


def test_short_shared_prefixes_are_not_grouped():
    groups = group_by_prefix([[1, 2, 9], [1, 2, 8]], first_query=[2, 2], min_prefix=3)
    assert all(g.prefix_len == 0 for g in groups) and len(groups) == 2


def test_a_common_system_message_does_not_merge_personas():
    system = list(range(100, 140))  # 40 shared tokens
    persona_a, persona_b = [1] * 300, [2] * 300
    seqs = [
        system + persona_a + [7, 8],
        system + persona_a + [9, 9],
        system + persona_b + [7, 8],
        system + persona_b + [9, 9],
    ]
    groups = group_by_prefix(seqs, first_query=[len(s) - 1 for s in seqs], min_prefix=32)
    assert sorted((sorted(g.members), g.prefix_len) for g in groups) == [
        ([0, 1], 340),
        ([2, 3], 340),
    ]


def test_question_stems_pair_up_when_nothing_longer_is_shared():
    # one question in two option orders, then another question: stems of 4 tokens, options differ
    stem1, stem2 = [10, 11, 12, 13], [20, 21, 22, 23]
    seqs = [
        stem1 + [1, 2, 3, 4, 5, 6],
        stem1 + [6, 5, 4, 3, 2, 1],
        stem2 + [1, 2, 3, 4, 5, 6],
        stem2 + [6, 5, 4, 3, 2, 1],
    ]
    groups = group_by_prefix(seqs, first_query=[len(s) - 1 for s in seqs], min_prefix=4)
    assert sorted((sorted(g.members), g.prefix_len) for g in groups) == [([0, 1], 4), ([2, 3], 4)]


def test_a_lone_prompt_does_not_take_a_neighbour_from_its_own_persona():
    system = list(range(100, 140))
    lone = system + [1] * 200 + [7]  # sorts first, so it opens a group
    pair = [system + [2] * 300 + [7, 8], system + [2] * 300 + [9, 9]]
    seqs = [lone, *pair]
    groups = group_by_prefix(seqs, first_query=[len(s) - 1 for s in seqs], min_prefix=32)
    assert sorted((sorted(g.members), g.prefix_len) for g in groups) == [([0], 0), ([1, 2], 340)]
