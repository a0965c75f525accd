"""The console progress bar: redrawn in place on a terminal, a plain line per tenth anywhere else."""

from __future__ import annotations

from putright.progress import ProgressBar


def _run(total: int, *, interactive: bool) -> str:
    written: list[str] = []
    bar = ProgressBar(total, write=written.append, label="Loading ", width=10, interactive=interactive)
    bar.update(0)
    for done in range(1, total + 1):
        bar.update(done)
    bar.finish()
    return "".join(written)


def test_on_a_terminal_it_redraws_one_line_in_place():
    output = _run(240, interactive=True)
    assert output.count("\n") == 1 and output.endswith("\n")
    assert output.startswith("\rLoading [----------] 0/240")
    assert output.rstrip("\n").rsplit("\r", 1)[-1] == "Loading [##########] 240/240"


def test_elsewhere_it_writes_a_plain_line_at_each_tenth_and_the_finished_bar():
    output = _run(240, interactive=False)
    assert "\r" not in output
    assert output.splitlines() == [
        "Loading [----------] 0/240",
        "Loading [#---------] 24/240",
        "Loading [##--------] 48/240",
        "Loading [###-------] 72/240",
        "Loading [####------] 96/240",
        "Loading [#####-----] 120/240",
        "Loading [######----] 144/240",
        "Loading [#######---] 168/240",
        "Loading [########--] 192/240",
        "Loading [#########-] 216/240",
        "Loading [##########] 240/240",
    ]


def test_a_plain_bar_that_jumps_writes_only_where_it_lands():
    written: list[str] = []
    bar = ProgressBar(3, write=written.append, width=3)
    bar.update(2)
    bar.update(2)
    bar.finish()
    assert written == ["[##-] 2/3\n", "[###] 3/3\n"]
