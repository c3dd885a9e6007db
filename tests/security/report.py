"""Figures the sweeps report (URLs covered, forms fuzzed), shown at the end of the run."""

from collections import defaultdict

FIGURES: dict[str, list[str]] = defaultdict(list)


def note(tier: str, line: str) -> None:
    FIGURES[tier].append(line)


def summary(terminalreporter, tier: str) -> None:
    lines = FIGURES.get(tier)
    if lines:
        terminalreporter.write_sep("-", f"{tier} figures")
        for line in lines:
            terminalreporter.write_line(line)
