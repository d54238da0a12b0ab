from chorus.engines.prefix import PrefixNode, prefix_tree


def _computed(node: PrefixNode, seqs) -> int:
    """Tokens a tree walk feeds the model: each node's shared run once, each row its rest."""
    rows = sum(len(seqs[m]) - node.end for m in node.rows)
    return rows + sum(c.end - c.start + _computed(c, seqs) for c in node.children)


def _distinct_prefixes(seqs) -> int:
    return len({tuple(s[:i]) for s in seqs for i in range(1, len(s) + 1)})


def test_a_node_shares_the_longest_common_prefix_before_the_first_query():
    a = [1, 2, 3, 4, 5, 6, 7]
    b = [1, 2, 3, 4, 5, 9, 9, 9]
    c = [8, 8, 8, 8]
    root = prefix_tree([a, b, c], first_query=[6, 7, 3], min_prefix=3)
    (node,) = root.children
    assert (node.start, node.end, node.members, node.rows) == (0, 5, [0, 1], [0, 1])
    assert root.rows == [2]


def test_sharing_stops_before_a_query_position_inside_it():
    # two loglik jobs on the same context: queries start at position 3, so the prefix is 3
    seqs = [[5, 5, 5, 5, 1], [5, 5, 5, 5, 2]]
    (node,) = prefix_tree(seqs, first_query=[3, 3], min_prefix=2).children
    assert node.end == 3 and node.rows == [0, 1]


def test_short_shared_prefixes_are_not_computed_alone():
    root = prefix_tree([[1, 2, 9], [1, 2, 8]], first_query=[2, 2], min_prefix=3)
    assert root.children == [] and root.rows == [0, 1]


def test_personas_under_a_common_system_message_branch_below_it():
    system = list(range(100, 140))  # 40 shared tokens
    persona_a, persona_b = [1] * 300, [2] * 300
    seqs = [
        system + persona_a + [7, 8],
        system + persona_a + [9, 9],
        system + persona_b + [7, 8],
        system + persona_b + [9, 9],
    ]
    (top,) = prefix_tree(seqs, first_query=[len(s) - 1 for s in seqs], min_prefix=32).children
    assert top.end == 40
    assert sorted((c.members, c.start, c.end) for c in top.children) == [
        ([0, 1], 40, 340),
        ([2, 3], 40, 340),
    ]


def test_leave_one_out_contexts_compute_each_shared_answer_once_per_branch():
    # a person's context, then answers 1..6 with one left out per question, each question in two
    # option orders: the walk feeds exactly the distinct prefixes, far fewer than every token
    context = list(range(1000, 1100))
    answers = {k: [k * 10 + t for t in range(6)] for k in range(1, 7)}
    seqs = []
    for left_out in answers:
        kept = [t for k, block in answers.items() if k != left_out for t in block]
        stem = [500 + left_out] * 5
        seqs += [context + kept + stem + [1, 2, 3], context + kept + stem + [3, 2, 1]]
    root = prefix_tree(seqs, first_query=[len(s) - 1 for s in seqs], min_prefix=32, min_stem=4)
    assert _computed(root, seqs) == _distinct_prefixes(seqs)
    assert _computed(root, seqs) < sum(map(len, seqs)) / 5
    (person,) = root.children
    assert person.end == len(context) and sorted(person.members) == list(range(len(seqs)))


def test_a_short_common_run_stays_in_each_branch():
    # stems of 4 tokens under a min_stem of 8: no node of their own, the stems pair up below
    stem1, stem2 = [10, 11, 12, 13, 14, 15, 16, 17, 18], [10, 11, 12, 20, 21, 22, 23, 24, 25]
    seqs = [stem1 + [1, 2], stem1 + [2, 1], stem2 + [1, 2], stem2 + [2, 1]]
    root = prefix_tree(seqs, first_query=[len(s) - 1 for s in seqs], min_prefix=8, min_stem=8)
    assert sorted((c.members, c.start, c.end) for c in root.children) == [
        ([0, 1], 0, 9),
        ([2, 3], 0, 9),
    ]
