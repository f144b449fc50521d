"""Reference solution for notebook 06's capstone exercise (shown only on request)."""


def pick_sampler(table, budget_ms):
    # The simplest rung that fits: the table lists rungs from simplest to most compiled.
    fitting = table[table["ms per image (batch 1)"] <= budget_ms]
    return None if fitting.empty else fitting["option"].iloc[0]
